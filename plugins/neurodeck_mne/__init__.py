"""Electrophysiology through MNE-Python: readers, writers, the EEG sample, and the EEG/MEG
chain from raw file to result (filters, references, montages, events, epochs, evoked
responses, ICA) as transforms, with spectra and views.

Importing this module is cheap: MNE itself is imported by the modules named in the
declarations only when they are first used.
"""

from neurodeck.plugin_api import Command, Reader, SampleData, View, Writer, hookimpl

from .datasets import EvokedSet, IcaSolution
from .steps import ANALYSES, TRANSFORMS

__all__ = ["EvokedSet", "IcaSolution"]

# Every continuous format mne.io.read_raw dispatches on, by extension.
RAW_EXTENSIONS = (
    ".fif", ".fif.gz", ".edf", ".edf+", ".bdf", ".gdf", ".vhdr", ".ahdr", ".set", ".cnt",
    ".snirf", ".nxe", ".mff", ".sqd", ".con", ".lay", ".data", ".bin", ".nedf", ".eeg",
    ".cdt", ".ds", ".mat",
)


@hookimpl
def neurodeck_readers():
    return [
        Reader(
            id="mne-epochs", title="MNE epochs (-epo.fif)",
            extensions=("-epo.fif", "_epo.fif", "-epo.fif.gz", "_epo.fif.gz"),
            read="neurodeck_mne.io:read_epochs", produces=("epochs",), priority=10,
        ),
        Reader(
            id="mne-evoked", title="MNE evoked responses (-ave.fif)",
            extensions=("-ave.fif", "_ave.fif", "-ave.fif.gz", "_ave.fif.gz"),
            read="neurodeck_mne.io:read_evoked", produces=("evoked",), priority=10,
        ),
        Reader(
            id="mne-ica", title="MNE ICA solution (-ica.fif)",
            extensions=("-ica.fif", "_ica.fif", "-ica.fif.gz", "_ica.fif.gz"),
            read="neurodeck_mne.io:read_ica", produces=("ica",), priority=10,
        ),
        Reader(
            id="bids", title="BIDS dataset (a folder with dataset_description.json; mne-bids)",
            extensions=(), sniff="neurodeck_mne.bids:sniff_bids",
            read="neurodeck_mne.bids:read_bids", produces=("study",), priority=20,
        ),
        Reader(
            id="bids-raw", title="A recording of a BIDS dataset (mne_bids.read_raw_bids)",
            extensions=(), read="neurodeck_mne.bids:read_bids_raw", produces=("recording",),
        ),
        Reader(
            id="xdf", title="XDF (Lab Streaming Layer; pyxdf): signal streams, markers as "
                            "annotations",
            extensions=(".xdf", ".xdfz"), read="neurodeck_mne.xdf:read_xdf",
            members="neurodeck_mne.xdf:xdf_members", produces=("recording",), priority=10,
        ),
        Reader(
            id="mne-raw", title="Continuous recording (MNE: FIF, EDF/BDF, BrainVision, ...)",
            # .mat and .eeg are shared with other readers; MNE tries them last.
            extensions=tuple(e for e in RAW_EXTENSIONS if e not in (".mat", ".data", ".bin")),
            read="neurodeck_mne.io:read_raw", sniff="neurodeck_mne.io:sniff_raw",
            produces=("recording",),
        ),
    ]


@hookimpl
def neurodeck_writers():
    return [
        Writer(id="mne-fif", title="FIF (MNE)", extensions=("_raw.fif", ".fif"),
               accepts=("recording",), write="neurodeck_mne.io:write_fif"),
        Writer(id="mne-epochs", title="MNE epochs (-epo.fif)", extensions=("-epo.fif",
                                                                            "_epo.fif"),
               accepts=("epochs",), write="neurodeck_mne.io:write_epochs"),
        Writer(id="mne-evoked", title="MNE evoked (-ave.fif)", extensions=("-ave.fif",
                                                                           "_ave.fif"),
               accepts=("evoked",), write="neurodeck_mne.io:write_evoked"),
        Writer(id="mne-ica", title="MNE ICA (-ica.fif)", extensions=("-ica.fif", "_ica.fif"),
               accepts=("ica",), write="neurodeck_mne.io:write_ica"),
        Writer(id="mne-edf", title="EDF (European Data Format)", extensions=(".edf",),
               accepts=("recording",), write="neurodeck_mne.io:write_export"),
        Writer(id="mne-brainvision", title="BrainVision", extensions=(".vhdr",),
               accepts=("recording",), write="neurodeck_mne.io:write_export"),
    ]


@hookimpl
def neurodeck_sample_data():
    return [
        SampleData(
            id="eeg-motor-imagery", title="EEG: motor imagery, 64 channels (PhysioNet eegmmidb)",
            path="neurodeck_mne.samples:eeg_motor_imagery", kind="recording",
            description="Subject S001, run 4: imagined left/right fist clenching, 160 Hz, "
                        "125 s, 30 annotated events (T0 rest, T1 left, T2 right).",
        ),
    ]


@hookimpl
def neurodeck_transforms():
    return list(TRANSFORMS)


@hookimpl
def neurodeck_analyses():
    return list(ANALYSES)


@hookimpl
def neurodeck_views():
    v = "neurodeck_mne.views."
    return [
        View(id="mne-psd", title="Power spectrum", accepts=("result:psd",),
             widget=v + "psd_view:PsdView", priority=10),
        View(id="mne-tfr", title="Time-frequency power", accepts=("result:tfr",),
             widget=v + "tfr_view:TfrView", priority=10),
        View(id="mne-evoked", title="Evoked: butterfly and topomaps", accepts=("evoked",),
             widget=v + "evoked_view:EvokedView", priority=10),
        View(id="mne-epochs-image", title="Epochs image", accepts=("epochs",),
             widget=v + "epochs_view:EpochsImageView", priority=10),
        View(id="mne-drop-log", title="Drop log", accepts=("epochs",),
             widget=v + "epochs_view:DropLogView", priority=5),
        View(id="mne-ica", title="ICA components", accepts=("ica",),
             widget=v + "ica_view:IcaView", priority=10),
    ]


@hookimpl
def neurodeck_commands():
    return [Command(name="bids-derivatives",
                    help="run a pipeline on each recording of a BIDS dataset and write the "
                         "outputs under its derivatives/ folder",
                    configure="neurodeck_mne.bids:configure", main="neurodeck_mne.bids:main")]
