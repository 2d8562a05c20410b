"""Representational similarity analysis (RSA) and topological RSA (tRSA).

Declarations only: the numerics live in ``compute``/``rdm``/``compare``/``inference``/
``topology`` and the Qt views in ``view``, all imported on first use.
"""

from neurodeck.plugin_api import (
    Analysis,
    Bool,
    Choice,
    FilePath,
    Float,
    Int,
    Text,
    View,
    hookimpl,
    optional,
)

DISSIMILARITIES = ("euclidean", "correlation", "mahalanobis", "crossnobis", "poisson",
                   "poisson_cv")
COMPARISONS = ("cosine", "corr", "spearman", "kendall", "tau-a", "rho-a", "cosine_cov",
               "corr_cov")
INPUT_KINDS = ("patterns", "epochs", "traces", "roi_timeseries", "result")

_RDM_PARAMS = [
    Choice("method", "correlation", choices=DISSIMILARITIES,
           help="Dissimilarity between condition patterns. euclidean is the squared "
                "distance / number of channels (rsatoolbox's convention); crossnobis and "
                "poisson_cv are cross-validated over runs"),
    Choice("noise", "identity",
           choices=("identity", "shrinkage_diag", "shrinkage_eye", "diag", "full"),
           help="Noise covariance from residuals for mahalanobis/crossnobis "
                "(identity = euclidean; mahalanobis with identity uses shrinkage_diag)"),
    Bool("noise_per_run", False,
         help="crossnobis: one noise precision per run (pairs of runs use the average "
              "covariance) instead of one pooled over runs"),
    Float("prior_lambda", 1.0, minimum=0.0, help="poisson: prior rate"),
    Float("prior_weight", 0.1, minimum=0.0, help="poisson: weight of the prior"),
    Int("window", 1, minimum=1, help="epochs: samples averaged per time window"),
    Int("step", 1, minimum=1, help="epochs: samples between window starts"),
    Float("event_window", 0.0, minimum=0.0,
          help="traces: seconds averaged after events that have no duration"),
    Float("tmin", None, optional=True,
          help="epochs: start (s) of a span averaged into one pattern per epoch "
               "(with tmax; unset = time-resolved, one RDM per window)"),
    Float("tmax", None, optional=True, help="epochs: end (s) of that span"),
    Text("condition_field", None, optional=True,
         help="Field holding conditions: empty = the data's own (epoch event names, "
              "pattern conditions, trace event labels); an MNE metadata column, an array "
              "in the dataset's meta, or event:N = part N of '/'-separated event labels"),
    Text("run_field", None, optional=True,
         help="Field holding runs/folds for crossnobis and poisson_cv (same forms)"),
    Text("subject_field", None, optional=True,
         help="Field holding subjects: one RDM (set) per subject (same forms)"),
]

RSA = Analysis(
    id="rsa",
    title="Representational similarity analysis",
    category="Representational geometry",
    description=(
        "Representational dissimilarity matrices (RDMs) between conditions from patterns, "
        "epochs (time-resolved, sliding window) or event-locked traces; comparison with "
        "model RDMs (from a second result input or a file), noise ceiling, and bootstrap "
        "inference over conditions and/or subjects with model tests."
    ),
    reference=(
        "Kriegeskorte, Mur & Bandettini (2008) Front Syst Neurosci 2:4; Nili et al. (2014) "
        "PLoS Comput Biol 10:e1003553; Walther et al. (2016) NeuroImage 137:188; "
        "Diedrichsen et al. (2021) arXiv 2007.02789; Schuett et al. (2023) eLife 12:e82566."
    ),
    accepts=INPUT_KINDS,
    n_inputs=(1, None),  # subjects/regions and model results, or a study
    run="neurodeck_rsa.compute:run_rsa",
    params=[
        *_RDM_PARAMS,
        Choice("compare", "corr", choices=COMPARISONS,
               help="RDM comparison measure for model evaluation"),
        FilePath("models", None, optional=True,
                 filter="Model RDMs (*.npy *.h5 *.hdf5 *.mat)",
                 help="Model RDMs (n x n or n_models x n x n) from .npy, .h5 or .mat; "
                      "further inputs (results with 'rdms') are models too"),
        FilePath("features", None, optional=True,
                 filter="Condition features (*.csv *.tsv *.npy)",
                 help="Condition x feature table (e.g. category indicators) to build model "
                      "RDMs from; a first text column names the conditions"),
        Choice("feature_model", "per_feature", choices=("per_feature", "euclidean",
                                                        "correlation"),
               help="per_feature: a weighted model with one RDM (f_i - f_j)^2 per feature; "
                    "euclidean/correlation: one fixed RDM of feature-space distances"),
        Bool("weighted", False,
             help="Also fit one weighted model combining all model RDMs (weights fitted "
                  "on training subjects, scored on the left-out subject)"),
        Choice("fitter", "nnls", choices=("nnls", "regress"),
               help="Weighted models: non-negative least squares (rsatoolbox fit_regress_nn) "
                    "or unconstrained (fit_regress); needs compare = cosine, corr, "
                    "cosine_cov or corr_cov"),
        Choice("bootstrap", "conditions",
               choices=("fixed", "conditions", "subjects", "both", "epochs"),
               help="What to resample for model inference (fixed = no bootstrap; epochs: "
                    "time-resolved, epochs within each condition)"),
        Int("n_bootstrap", 1000, minimum=10, maximum=100_000, help="Bootstrap samples"),
        Int("seed", 0, minimum=0, help="Random seed of the bootstrap"),
    ],
    outputs={
        "rdms": "n_rdm x n_cond x n_cond dissimilarities (one per subject, or per time "
                "window for epochs)",
        "conditions": "n_cond condition labels in RDM order (first seen)",
        "rdm_names": "n_rdm RDM labels", "rdm_subjects": optional("n_rdm subject of each RDM"),
        "times": optional("epochs: n_rdm window centres (s)"),
        "model_names": optional("n_models model labels"),
        "model_rdms": optional("n_models x n_cond x n_cond"),
        "model_fixed": optional("n_models x n_rdm similarity of each model to each data RDM "
                       "(weighted models: fitted without that RDM's subject; "
                       "time-resolved: per subject and window)"),
        "model_timecourse": optional("epochs: n_models x n_times model similarity over time "
                                     "(mean over subjects)"),
        "model_timecourse_ci": optional("epochs: 2 x n_models x n_times 95% bootstrap interval"),
        "p_zero_timecourse": optional("epochs: n_models x n_times one-sided bootstrap p of "
                                      "score <= 0 (uncorrected over windows)"),
        "noise_ceiling_timecourse": optional("epochs, >= 2 subjects: 2 x n_times lower/upper "
                                             "bound"),
        "subject_names": optional("epochs, >= 2 subjects: subjects (rdms then hold their mean)"),
        "span": optional("epochs with tmin/tmax: first and last sample time averaged"),
        "model_weights": optional("n_models x k fitted weights (unit norm) of weighted models on "
                         "all RDMs; NaN for fixed models"),
        "model_components": optional("n_models x k component names of weighted models"),
        "model_weights_timecourse": optional("epochs: n_models x n_times x k weights fitted per "
                                    "window to all subjects"),
        "model_mean": optional("n_models mean of model_fixed over RDMs"),
        "noise_ceiling": optional("2: lower (leave-one-subject-out) and upper bound"),
        "model_scores": optional("n_models x n_bootstrap bootstrap mean similarity (NaN: "
                                 "sample had < 3 distinct conditions)"),
        "noise_ceiling_boot": optional("2 x n_bootstrap noise ceiling per bootstrap sample"),
        "p_pairwise": optional("n_models x n_models two-sided bootstrap t-test p (uncorrected)"),
        "significant_pairwise": optional("n_models x n_models, Benjamini-Hochberg FDR 0.05 "
                                         "over pairs"),
        "p_zero": optional("n_models one-sided p of score > 0"),
        "p_noise_ceiling": optional("n_models one-sided p of score < lower noise ceiling"),
    },
)

TRSA = Analysis(
    id="trsa",
    title="Topological RSA (geo-topological transforms)",
    category="Representational geometry",
    description=(
        "Geo-topological transform GT(l, u) of RDMs (0 below the l-quantile, 1 above the "
        "u-quantile, linear between), geodesic RDMs over the graph of short edges, and the "
        "leave-one-subject-out nearest-centroid identification of regions/layers over a grid "
        "of (l, u) with bootstrap confidence intervals. Each input is one region (or a result "
        "with 'rdm_groups'). Epochs give one RDM per time window, or per subject over a "
        "tmin..tmax span."
    ),
    reference=("Lin & Kriegeskorte (2024) The topology and geometry of neural "
               "representations, PNAS 121:e2317881121 (arXiv 2309.11028)."),
    accepts=("patterns", "epochs", "traces", "roi_timeseries", "result"),
    n_inputs=(1, None),  # subjects/regions and model results, or a study
    run="neurodeck_rsa.compute:run_trsa",
    params=[
        *_RDM_PARAMS,
        Float("lower", 0.1, minimum=0.0, maximum=1.0, help="Lower quantile l"),
        Float("upper", 0.5, minimum=0.0, maximum=1.0, help="Upper quantile u"),
        Choice("scale", "rank", choices=("rank", "raw"),
               help="rank: ramp linear in each RDM's min-max-scaled ranks (the authors' "
                    "code); raw: ramp linear in the dissimilarities (rsatoolbox)"),
        Choice("quantiles", "per_rdm", choices=("per_rdm", "pooled"),
               help="Quantiles per RDM (authors' code), or pooled over all RDMs "
                    "(rsatoolbox)"),
        Choice("geodesic", "reference", choices=("reference", "zero_edges", "rsatoolbox"),
               help="reference: the authors' code (no edge below l, Floyd-Warshall, then "
                    "ranks); zero_edges: pairs below l are zero-length edges; rsatoolbox: "
                    "no edge below l, inf where disconnected"),
        Int("grid", 11, minimum=0, maximum=101,
            help="Grid steps of l and u in [0, 1] for identification (0 = skip)"),
        Choice("evaluate", "rgtm", choices=("rgtm", "rgdm"),
               help="Identify from GT RDMs or geodesic RDMs"),
        Choice("identify", "correlation", choices=("correlation", "euclidean"),
               help="Nearest group centroid in correlation distance (accuracy averaged "
                    "over subjects), or Euclidean (the authors' NearestCentroid, accuracy "
                    "pooled over RDMs)"),
        Choice("bootstrap", "subjects", choices=("subjects", "subjects_stimuli", "reference"),
               help="subjects: resample subjects' results; subjects_stimuli: resample "
                    "subjects and stimuli and re-run; reference: resample RDMs and stimuli "
                    "and re-run (the authors' code)"),
        Int("n_bootstrap", 1000, minimum=0, maximum=100_000, help="Bootstrap samples (CIs)"),
        Int("seed", 0, minimum=0, help="Random seed of the bootstrap"),
    ],
    outputs={
        "rdms": "n_rdm x n_cond x n_cond input RDMs", "conditions": "n_cond labels",
        "rgtm": "n_rdm x n_cond x n_cond GT(lower, upper)-transformed RDMs",
        "rgdm": "n_rdm x n_cond x n_cond geodesic RDMs over edges < 1 of rgtm "
                "(reference: ranks of the path lengths; zero_edges: disconnected pairs "
                "get the largest finite distance, at least 1; rsatoolbox: inf)",
        "rdm_names": "n_rdm labels", "rdm_subjects": optional("n_rdm subject of each RDM"),
        "rdm_groups": "n_rdm region/layer of each RDM",
        "times": optional("epochs, time-resolved: n_rdm window centres (s)"),
        "grid_lower": optional("n_grid lower quantiles"),
        "grid_upper": optional("n_grid upper quantiles"),
        "accuracy": optional("n_grid x n_grid identification accuracy (NaN where l > u)"),
        "accuracy_ci": optional("2 x n_grid x n_grid 95% percentile bootstrap interval"),
        "group_names": optional("groups identified"),
        "chance": optional("chance accuracy (1 / n_groups)"),
    },
)


@hookimpl
def neurodeck_analyses():
    return [RSA, TRSA]


@hookimpl
def neurodeck_views():
    rsa, trsa = ("result:rsa",), ("result:trsa",)
    return [
        View(id="rsa-rdm", title="RDMs", accepts=rsa + trsa,
             widget="neurodeck_rsa.view:RDMView", priority=10),
        View(id="rsa-mds", title="MDS embedding", accepts=rsa + trsa,
             widget="neurodeck_rsa.view:MDSView"),
        View(id="rsa-models", title="Model comparison", accepts=rsa,
             widget="neurodeck_rsa.view:ModelBarView", priority=5),
        View(id="rsa-time", title="Time-resolved RSA", accepts=rsa,
             widget="neurodeck_rsa.view:TimeCourseView"),
        View(id="trsa-grid", title="(l, u) identification map", accepts=trsa,
             widget="neurodeck_rsa.view:GridMapView", priority=5),
    ]
