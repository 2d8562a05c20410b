"""Planted truth in the paper's synthetic setting, scaled down to run in ~a minute:
3 states (paper: 5), 20 neurons, 6 sequences x 800 bins (paper: tens x 2,000),
Dirichlet inhibitory/absent/excitatory connections with positive strengths, sigmoid
rate, exponential 5-bin history. The full-size setting is in benchmarks/bench_hmmglm.py."""

import numpy as np
import pytest
from neurodeck_hmmglm import fit, glm, hmm, simulate

K, N = 3, 20


@pytest.fixture(scope="module")
def planted():
    truth = simulate.paper_truth(K, N, seed=0)
    counts, states = simulate.sample(truth, 6, 800, seed=1)
    y, x, lengths = glm.stack(counts, truth.basis)
    return truth, fit.Data(y, x, lengths), np.concatenate(states)


def fitted(planted, prior):
    truth, data, z = planted
    opts = fit.FitOptions(prior=prior, link="sigmoid", max_iter=60)
    res = fit.fit(data, K, opts, n_restarts=3, seed=0)
    p = res.params
    path = hmm.viterbi(fit.emissions(data, p, "sigmoid"), data.lengths, p.transition,
                       p.initial)
    perm = simulate.match_states(z, path, K)
    return res, simulate.state_accuracy(z, path, K), p.weights[perm]


@pytest.mark.slow
def test_planted_states_and_signs(planted):
    truth, data, z = planted
    res_free, acc_free, w_free = fitted(planted, "none")
    res_hot, acc_hot, w_hot = fitted(planted, "onehot")
    # The true parameters decode ~0.98 of the bins; both fits must reach 0.9.
    assert acc_free >= 0.9 and acc_hot >= 0.9
    r_free = np.corrcoef(w_free.ravel(), truth.weights.ravel())[0, 1]
    r_hot = np.corrcoef(w_hot.ravel(), truth.weights.ravel())[0, 1]
    assert r_free > 0.8 and r_hot > 0.8  # weight recovery (reported in docs/hmmglm.md)
    # Connection class (inhibitory / absent / excitatory): the one-hot model says
    # "absent" by itself; the prior-free model has no absent class.
    sign_free = simulate.sign_accuracy(truth.weights, w_free)
    sign_hot = simulate.sign_accuracy(truth.weights, w_hot)
    assert sign_hot > sign_free + 0.3 and sign_hot >= 0.75
    print(f"state acc free {acc_free:.3f} onehot {acc_hot:.3f}; weight r free {r_free:.3f} "
          f"onehot {r_hot:.3f}; sign acc free {sign_free:.3f} onehot {sign_hot:.3f}")
