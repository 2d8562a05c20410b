"""Reference driver: trains the official HMM-GLM (Li et al., ICLR 2024; the authors' code
at github.com/BRAINML-GT/onehot-hmmglm) on an npz written by bench_hmmglm.py and prints
one JSON line. It runs in a scratch environment, never in neurodeck's, and the
authors' code is installed there, not copied here:

    python3 -m venv /tmp/ref-hmmglm
    /tmp/ref-hmmglm/bin/pip install torch==2.13.0        # the local CPU wheel
    git clone https://github.com/BRAINML-GT/onehot-hmmglm /tmp/onehot-hmmglm
    /tmp/ref-hmmglm/bin/pip install /tmp/onehot-hmmglm/hmmglm pandas matplotlib
    /tmp/ref-hmmglm/bin/python benchmarks/ref_hmmglm_official.py --data FILE.npz

(measured with commit f5c482c, package version 0.1.0). It uses the paper's model and
training loop, the ones of ``hmmglm/deprecated/demo.ipynb`` that produced the paper's
synthetic results: ``hmmglm.deprecated.model`` (bias shared by the states, sigmoid
rate, Poisson), bias started at the training mean count, Adam (lr 0.01); an epoch
visits every training sequence once: its forward-backward, then ``--sub-steps`` Adam
steps on the expected complete-data log-likelihood (one-hot: minus the Gumbel-softmax
adjacency prior, with the adjacency sampled by Gumbel-softmax, ``correct_extreme_onehot``
after each step). Two stopping rules:

- ``--stop budget``: the demo's fixed budget, ``--epochs`` (10) x ``--sub-steps`` (50);
- ``--stop converge``: neurodeck's EM rule, epochs until the training log-likelihood
  (hard adjacency, the model as used for decoding) gains less than ``--tol`` (1e-6,
  neurodeck's EM tolerance) relative; Adam is not monotone, so the rule waits for
  ``--patience`` (3) epochs without such a gain over the best so far, at most
  ``--max-epochs``.

Decoding: Viterbi of each held-out sequence with the hard (argmax) adjacency.
Printed: "seconds" (training only, wall), "epochs", "stop", "states" (held-out paths
concatenated), "weights" (K x N x N, hard adjacency), "bias" (K x N), "transition",
"log_likelihood" per epoch (converge rule), "torch_threads", "hmmglm_version".
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from hmmglm import __version__ as hmmglm_version
from hmmglm.deprecated import distributions, model, nonlinearities


def build(kind: str, n_states: int, n_neurons: int, basis: torch.Tensor):
    poisson, sigmoid = distributions.Poisson(), nonlinearities.Sigmoid()
    if kind == "onehot":
        return model.OnehotHMMGLM(n_states, n_neurons, basis, poisson, sigmoid,
                                  nonlinearities.Softplus())
    if kind == "gaussian":
        return model.GaussianHMMGLM(n_states, n_neurons, basis, poisson, sigmoid)
    return model.NaiveHMMGLM(n_states, n_neurons, basis, poisson, sigmoid)


def log_likelihood(m, spikes: torch.Tensor, conv: torch.Tensor) -> float:
    """Marginal log-likelihood of the sequences (our forward recursion in log space on
    the model's own emissions and transitions; uniform initial state as in the model)."""
    total = 0.0
    with torch.no_grad():
        log_a = m.transition_matrix.log()
        for s in range(len(spikes)):
            rates = m.firing_rates(conv[s])  # K x T x N
            log_em = m.distribution.log_likelihood(spikes[s][None], rates).sum(-1).T
            la = log_em[0] - np.log(m.n_states)
            for t in range(1, len(log_em)):
                la = log_em[t] + torch.logsumexp(la[:, None] + log_a, dim=0)
            total += float(torch.logsumexp(la, dim=0))
    return total


def epoch(m, kind: str, optimizer, spikes, conv, sub_steps: int) -> float:
    last = 0.0
    for s in range(len(spikes)):
        gamma, xi = m.forward_backward(spikes[s], conv[s])
        if kind == "onehot":
            m.set_adjacency_type("gumbel_softmax")
        for _ in range(sub_steps):
            if kind == "gaussian":
                m.update_weight_prior_mean()
            loss = -m.m_step(spikes[s], conv[s], gamma, xi)
            if kind == "onehot":
                loss = loss - m.adjacency_prior_log_likelihood()
            elif kind == "gaussian":
                loss = loss - m.weight_prior_log_likelihood()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if kind == "onehot":
                m.correct_extreme_onehot()
        if kind == "onehot":
            m.set_adjacency_type("softmax")
        last += float(loss.detach())
    return last


def hard(m, kind: str) -> None:
    if kind == "onehot":
        m.set_adjacency_type("hard")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", default="onehot", choices=("onehot", "gaussian", "naive"))
    ap.add_argument("--stop", default="budget", choices=("budget", "converge"))
    ap.add_argument("--epochs", type=int, default=10, help="budget: epochs (demo: 10)")
    ap.add_argument("--sub-steps", type=int, default=50, help="Adam steps per sequence")
    ap.add_argument("--tol", type=float, default=1e-6, help="converge: relative gain")
    ap.add_argument("--max-epochs", type=int, default=50, help="converge: cap")
    ap.add_argument("--patience", type=int, default=3, help="converge: epochs")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    d = np.load(args.data)
    counts = torch.tensor(d["counts"], dtype=torch.float32)  # S x T x N
    n_train, k = int(d["n_train"]), int(d["n_states"])
    basis = torch.tensor(d["basis"], dtype=torch.float32)
    conv = _convolve(counts, basis)
    train, train_conv = counts[:n_train], conv[:n_train]
    torch.manual_seed(args.seed)
    m = build(args.model, k, counts.shape[2], basis)
    m._bias.data = train.mean(dim=(0, 1))  # the demo's start
    optimizer = torch.optim.Adam(m.parameters(), lr=0.01)
    lls: list[float] = []
    stop = "budget"
    n_epochs = args.epochs if args.stop == "budget" else args.max_epochs
    seconds = 0.0
    best, since = -np.inf, 0
    epochs = 0
    for _ in range(n_epochs):
        epochs += 1
        t0 = time.perf_counter()
        epoch(m, args.model, optimizer, train, train_conv, args.sub_steps)
        seconds += time.perf_counter() - t0
        if args.stop == "converge":  # the check is not timed (the budget rule has none)
            hard(m, args.model)
            lls.append(log_likelihood(m, train, train_conv))
            if args.model == "onehot":
                m.set_adjacency_type("softmax")
            if lls[-1] - best > args.tol * abs(lls[-1]):
                best, since = lls[-1], 0
            else:
                since += 1
            if since >= args.patience:
                stop = "converged"
                break
            stop = "max_epochs"
    hard(m, args.model)
    with torch.no_grad():
        states = [m.viterbi(counts[s], conv[s]).numpy() for s in range(n_train, len(counts))]
        weights = m.weight.detach().numpy()
        bias = m.bias.detach().numpy()  # K x N (the shared bias, repeated)
        transition = m.transition_matrix.detach().numpy()
    print(json.dumps({
        "seconds": seconds, "epochs": epochs, "stop": stop, "sub_steps": args.sub_steps,
        "model": args.model, "states": np.concatenate(states).tolist(),
        "weights": weights.tolist(), "bias": bias.tolist(),
        "transition": transition.tolist(), "log_likelihood": lls,
        "torch_threads": torch.get_num_threads(), "hmmglm_version": hmmglm_version,
        "torch_version": torch.__version__,
    }))
    return 0


def _convolve(counts: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """The filtered history the reference's sampler produces: x[t] = sum_l basis[l-1]
    y[t-l], zero before the start (its ``utils.convolve_spikes_with_basis``)."""
    from hmmglm.deprecated import utils

    return utils.convolve_spikes_with_basis(counts, basis, "forward")


if __name__ == "__main__":
    raise SystemExit(main())
