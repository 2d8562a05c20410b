"""Several animals: each one reachable, the aligned view equal to Traces.aligned(), and
nothing hidden (missing neurons, resampling)."""

from pathlib import Path

import numpy as np
import pytest
from neurodeck_browser import population as pop

from neurodeck.data import Traces

CELEGANS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "calcium" / \
    "celegans_wholebrain_dag2023.h5"


def _animals():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 100))
    b = rng.standard_normal((4, 80))  # shorter recording
    c = rng.standard_normal((2, 100))
    return Traces([a, b, c], [["AVAL", "x1", "RIML"], ["AVAL", "AVAR", "y1", "AVAR"],
                              ["AVAR", "z1"]], sfreq=2.0, animals=["w1", "w2", "w3"])


def test_aligned_rows_equal_traces_aligned_and_show_the_missing():
    tr = _animals()
    al = pop.AlignedTraces(tr)
    # shared names first (each animal a row, missing ones too), then each animal's own
    assert al.labels[:6] == ["AVAL \u00b7 w1", "AVAL \u00b7 w2", "AVAL \u00b7 w3",
                             "AVAR \u00b7 w1", "AVAR \u00b7 w2", "AVAR \u00b7 w2"]
    assert al.labels[6] == "AVAR \u00b7 w3"
    assert set(al.labels[7:]) == {"x1 \u00b7 w1", "RIML \u00b7 w1", "y1 \u00b7 w2",
                                  "z1 \u00b7 w3"}
    assert al.present.tolist()[:7] == [True, True, False, False, True, True, True]
    assert al.n_times == 100
    data = al.get_data(10, 95)
    ref, names = tr.aligned()  # the core's own alignment (animals x neurons x time)
    for row, (lab, a, i) in enumerate(al.rows):
        if i < 0:
            assert np.isnan(data[row]).all()
            assert np.isnan(ref[a, names.index(lab), 10:95]).all()
            continue
        np.testing.assert_array_equal(data[row], np.asarray(
            tr.arrays[a][i, 10:95] if tr.arrays[a].shape[1] >= 95 else
            np.r_[tr.arrays[a][i, 10:], np.full(95 - tr.arrays[a].shape[1], np.nan)]))
    # a name labelling two neurons of one animal keeps both (aligned() keeps one)
    twice = [r for r, (lab, a, _) in enumerate(al.rows) if lab == "AVAR" and a == 1]
    assert len(twice) == 2
    picks = [6, 0, 1]
    np.testing.assert_array_equal(al.get_data(0, 5, picks), data_rows(tr, al, picks, 0, 5))


def data_rows(tr, al, picks, start, stop):
    return np.stack([tr.arrays[al.rows[p][1]][al.rows[p][2], start:stop] for p in picks])


def test_facts_and_selector_say_what_was_done():
    tr = _animals()
    tr.meta["resampled"] = {"w2": 1.5}
    names = pop.animal_names(tr)
    assert names[1] == "w2: 4 neurons (resampled from 1.5 Hz)"
    assert names[-1] == "all 3 animals, aligned by neuron name"
    text = pop.facts(tr, pop.ALIGNED)
    assert "2 names found in more than one animal" in text and "2 rows missing" in text
    assert "w2 was resampled on reading from 1.5 Hz to 2 Hz" in text
    assert "shorter ones are missing past their end" in text
    one = pop.facts(tr, 1)
    assert one.startswith("animal 2 of 3 (w2): 4 neurons, 3 also named in other animals")
    assert pop.elsewhere(tr, 0, "ava") == ("also 4 rows in 2 other animals (w2: 3, w3: 1): "
                                           "choose 'all animals' to compare")


@pytest.mark.skipif(not CELEGANS.is_file(), reason="../shared/data is not on this machine")
def test_celegans_file_every_animal_and_the_resampled_one_named():
    import neurodeck

    ds = neurodeck.open(CELEGANS)
    assert pop.is_population(ds) and ds.n_animals == 9
    names = pop.animal_names(ds)
    assert names[0] == "2022-01-16-01: 130 neurons (resampled from 1.357 Hz)"
    assert "1.357 Hz to 1.667 Hz" in pop.facts(ds, 4)
    al = pop.AlignedTraces(ds)
    ava = [r for r, lab in enumerate(al.labels) if lab.startswith("AVA")]
    animals = {al.rows[r][1] for r in ava if al.present[r]}
    assert len(animals) >= 5  # AVAL/AVAR are identified in most SWF702 animals
    assert not al.present[[r for r in ava if al.rows[r][1] in (0, 1)]].any()  # SWF415: no IDs
    # every neuron of every animal is a row of the aligned view: nothing hidden
    assert int(al.present.sum()) == sum(len(x) for x in ds.animal_labels)
