"""HMM-GLM: switching brain states, each with its own Poisson GLM of neuron-to-neuron
coupling, with the none / Gaussian / one-hot priors of Li et al. (ICLR 2024)."""

from neurodeck.plugin_api import (
    Analysis,
    Bool,
    Choice,
    Float,
    Int,
    IntList,
    View,
    hookimpl,
    optional,
)

# Ridge s.d. on the one-hot weights (log-rate per filtered spike): the starting value
# of the empirical-Bayes choice (fit_weight_scale), or the fixed s.d. without it; see
# the robustness panel (benchmarks/bench_hmmglm_panel.py; docs/hmmglm.md).
WEIGHT_SCALE = 1.0

HMMGLM = Analysis(
    id="hmmglm",
    title="HMM-GLM switching states",
    category="Spikes",
    description=(
        "Hidden Markov model whose states each hold a Poisson GLM: a neuron's count in a "
        "bin depends on every neuron's recent spikes (exponential history basis) through "
        "state-specific coupling weights. Fitted by EM (log-space forward-backward, "
        "batched Newton M-step) with adaptive restarts (they stop once two starts find "
        "the best solution); the one-hot prior makes each connection "
        "inhibitory, absent or excitatory under a categorical prior shared by the states. "
        "A list of n_states is chosen by cross-validated held-out bits per spike."
    ),
    reference=(
        "Li, Kim, Rodgers, Choi & Wu (2024) One-hot generalized linear model for "
        "switching brain state discovery, ICLR 2024, arXiv:2310.15263; Escola et al. "
        "(2011) Hidden Markov models for the stimulus-response relationships of "
        "multistate neural systems, Neural Comput 23:1071."
    ),
    accepts=("spikes", "traces"),
    run="neurodeck_hmmglm.compute:run",
    estimate="neurodeck_hmmglm.estimate:estimate",
    params=[
        IntList("n_states", 3, minimum=1, maximum=20,
                help="Number of hidden states, or a list (e.g. 2-6) to choose by "
                     "cross-validated held-out likelihood"),
        Choice("prior", "onehot", choices=("none", "gaussian", "onehot"),
               help="Prior on each state's coupling weights"),
        Float("bin_width", 0.01, minimum=1e-4, help="Bin width (s)"),
        Int("history_lags", 5, minimum=1, maximum=200,
            help="Length of the exponential spike-history basis, in bins"),
        Choice("link", "softplus", choices=("softplus", "exp", "sigmoid"),
               help="Rate nonlinearity f (sigmoid caps the rate at 1 per bin, as in the "
                    "paper's simulations)"),
        Float("prior_scale", 1 / 3, minimum=1e-3,
              help="Gaussian prior: s.d. of the weights around their shared mean"),
        Float("weight_scale", WEIGHT_SCALE, minimum=0.0,
              help="One-hot prior: s.d. of a zero-mean ridge penalty on the weights "
                   "(0: none, the maximum likelihood of the authors' code)"),
        Bool("fit_weight_scale", True,
             help="One-hot prior: choose the ridge s.d. from the data (empirical Bayes: "
                  "the s.d. of largest evidence); weight_scale is then its starting value"),
        Bool("share_bias", False,
             help="One baseline per neuron shared by all states, as in the paper's model "
                  "(off: each state has its own baseline)"),
        Int("n_restarts", 10, minimum=1, maximum=50,
            help="Most EM starts (each from differently clustered windows); they stop "
                 "early once restart_agree starts have found the best solution"),
        Int("restart_agree", 2, minimum=0, maximum=50,
            help="Starts that must find the best solution (their states agreeing on 98% "
                 "of the bins) before the restarts stop; 0 runs all n_restarts"),
        Int("max_iter", 100, minimum=1, maximum=10000, help="Maximum EM iterations"),
        Int("cv_folds", 3, minimum=2, maximum=20,
            help="Folds for choosing n_states (sequences, or blocks of one sequence)"),
        Float("event_threshold", 2.5, minimum=0.0,
              help="Traces only: robust z-score of the trace's rise that counts as an event"),
        Int("seed", 0, minimum=0, help="Random seed of the restarts"),
    ],
    outputs={
        "states": "Viterbi state per bin (int), sequences concatenated",
        "posteriors": "bins x K posterior state probabilities",
        "weights": "K x N x N coupling weights (post x pre, per unit of filtered history)",
        "bias": "K x N baseline (linear-predictor) per state and neuron",
        "transition": "K x K state transition matrix (rows: from)",
        "initial": "K initial state distribution",
        "log_likelihood": "log p(data | parameters) per EM iteration (nats)",
        "log_posterior": "EM objective per iteration: log-likelihood + log prior (never "
                         "decreases)",
        "restart_log_posterior": "objective of each start after its screening EM "
                                 "iterations (one-hot: prior-free; the best one runs on)",
        "restart_agreement": "per start, fraction of bins whose most probable state "
                             "agrees with the best start's (after matching labels)",
        "restarts_agree": "whether restart_agree starts found the best solution",
        "fit_notes": "messages about this fit a user should read (did not converge, "
                     "restarts disagree); empty when there are none",
        "consensus": "N x N state-shared coupling: Gaussian prior mean, one-hot "
                     "P(exc) - P(inh), or (no prior) the mean over states",
        "prior_mean": optional("N x N learned Gaussian prior mean (prior=gaussian)"),
        "adjacency": optional("K x N x N connection class -1/0/+1 (prior=onehot)"),
        "adjacency_prior": optional("N x N x 3 learned P(inhibitory, absent, excitatory) "
                           "(prior=onehot)"),
        "cv_n_states": optional("the K values cross-validated (n_states given as a list)"),
        "heldout_bits_per_spike": optional("len(cv_n_states) x cv_folds held-out log-likelihood "
                                  "gain over a homogeneous Poisson model, bits/spike"),
        "n_states": "K of the returned model",
        "labels": "N neuron labels",
        "counts": "bins x N spike/event counts that were fitted",
        "bin_times": "start time (s) of each bin within its recording",
        "sequence_lengths": "bins in each sequence (segment/trial/animal)",
        "basis": "history basis weights for lags 1..history_lags",
        "converged": "whether EM met its tolerance before max_iter",
        "ridge_scale": "s.d. of the ridge on the weights of the returned fit (chosen from "
                       "the data with fit_weight_scale; 0: none)",
    },
)


@hookimpl
def neurodeck_analyses():
    return [HMMGLM]


@hookimpl
def neurodeck_views():
    return [View(id="hmmglm-states", title="HMM-GLM states and couplings",
                 accepts=("result:hmmglm",), widget="neurodeck_hmmglm.view:HmmGlmView",
                 priority=10)]
