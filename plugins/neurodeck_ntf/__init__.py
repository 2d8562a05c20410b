"""Dynamic functional connectomes by non-negative tensor factorisation (NTF) of
differential affinities between neurons (Dyballa et al., ICLR 2024)."""

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

NTF = Analysis(
    id="ntf",
    title="Dynamic functional connectome (NTF)",
    category="Connectivity",
    description=(
        "Instantaneous affinities between every pair of neurons from concurrent changes "
        "of their traces, arranged as a pairs x time x animals tensor and factorised by "
        "non-negative CP (several ranks and random restarts, with a suggested rank). "
        "Each component is a neuron x neuron affinity graph active over a time course "
        "in some animals; communities in each graph come from a weighted stochastic "
        "block model or Leiden."
    ),
    reference=(
        "Dyballa, Lang, Haslund-Gourley, Yemini & Zucker (2024) Learning dynamic "
        "representations of the functional connectome in neurobiological networks, "
        "ICLR 2024, arXiv:2402.14102; Cichocki & Phan (2009) IEICE Trans Fundam "
        "E92-A:708 (HALS); Karrer & Newman (2011) Phys Rev E 83:016107 (DC-SBM); "
        "Traag, Waltman & van Eck (2019) Sci Rep 9:5233 (Leiden)."
    ),
    accepts=("traces",),
    n_inputs=(1, None),  # one multi-animal dataset, several animals, or a study of them
    run="neurodeck_ntf.compute:run",
    estimate="neurodeck_ntf.estimate:estimate",
    params=[
        IntList("rank", [1, 2, 3, 4, 5, 6], minimum=1, maximum=50,
                help="Number of components, or several (e.g. 1-6) to fit and compare; "
                     "with several the suggested rank is reported"),
        Choice("community_method", "sbm", choices=("sbm", "leiden"),
               help="sbm: weighted degree-corrected stochastic block model (generative, "
                    "chooses the number of communities); leiden: modularity (fast)"),
        Choice("affinity", "concurrent", choices=("concurrent", "absolute"),
               help="concurrent: only changes in the same direction (paper); absolute: "
                    "anti-correlated changes count too"),
        Choice("affinity_scale", "sqrt", choices=("sqrt", "product"),
               help="sqrt: geometric mean of the two changes; product: their product"),
        Int("smooth_frames", 5, minimum=1, maximum=101,
            help="Savitzky-Golay window (frames) of the derivative; below 3 = central "
                 "differences"),
        Bool("normalize", True, help="Scale each neuron's derivative to unit RMS per animal"),
        Int("min_animals", 1, minimum=1,
            help="Keep neurons recorded in at least this many animals (missing = masked)"),
        Int("n_restarts", 5, minimum=1, maximum=100, help="Random restarts per rank"),
        Choice("solver", "hals", choices=("hals", "tensorly_hals", "tensorly_mu"),
               help="hals: streamed HALS (bounded memory); tensorly_*: tensorly's HALS or "
                    "multiplicative updates on the tensor in memory"),
        Float("tol", 1e-5, minimum=0.0, help="Stop when the relative error improves less"),
        Int("max_iter", 500, minimum=1, help="Iterations per fit at most"),
        Float("min_similarity", 0.8, minimum=0.0, maximum=1.0,
              help="Suggested rank: restarts must agree at least this much (0-1)"),
        Float("min_strength", 0.05, minimum=0.0, maximum=1.0,
              help="Neurons whose summed affinity is below this fraction of the largest "
                   "take no part in a component (community -1)"),
        Choice("sbm_weights", "exponential", choices=("exponential", "lognormal"),
               help="SBM edge-weight model per block pair"),
        Choice("sbm_model", "select", choices=("select", "dc", "ndc"),
               help="SBM edge model: dc degree-corrected, ndc plain, select both and keep "
                    "the one with the better penalised likelihood (as the paper's code "
                    "keeps the lower description length)"),
        Float("resolution", 1.0, minimum=0.0, help="Leiden resolution"),
        Int("max_memory_mb", 2048, minimum=16,
            help="Keep the affinity tensor in memory up to this size; beyond, it is "
                 "recomputed block by block at every iteration"),
        Int("seed", 0, minimum=0, help="Random seed (restarts, community search)"),
    ],
    outputs={
        "affinity": "K x N x N affinity factor of each component as a symmetric neuron "
                    "matrix (zero diagonal); carries the component's scale",
        "time_factors": "K x T temporal factor of each component (maximum 1; NaN at "
                        "frames no animal recorded)",
        "observed": "A x T true where the animal has data (shorter animals are padded)",
        "animal_factors": "K x A animal factor of each component (maximum 1)",
        "communities": "K x N community label of each neuron per component (0..; -1 = "
                       "below min_strength, not part of the component)",
        "neuron_labels": "N neuron labels (aligned across animals), matrix order",
        "animals": "A animal names",
        "times": "T frame times (s)",
        "rank": "the rank shown (the suggested one when several were fitted)",
        "relative_error": "relative error of the shown fit over observed entries",
        "ranks": optional("ranks fitted (only when several)"),
        "rank_errors": optional("ranks x restarts relative error, best first (only when "
                                "several)"),
        "rank_similarity": optional("ranks x restarts factor match score of each restart "
                                    "to the best fit (only when several)"),
        "event_onsets": "event onsets (s) of the input, for shading",
        "event_durations": "event durations (s)",
        "event_labels": "event labels",
        "tensor_peak_mb": "memory the affinity tensor needed at most (MiB)",
    },
)


@hookimpl
def neurodeck_analyses():
    return [NTF]


@hookimpl
def neurodeck_views():
    return [
        View(id="ntf-components", title="NTF components", accepts=("result:ntf",),
             widget="neurodeck_ntf.view:NtfView", priority=10),
        View(id="ntf-rank", title="NTF rank selection", accepts=("result:ntf",),
             widget="neurodeck_ntf.view:RankView", priority=5),
    ]
