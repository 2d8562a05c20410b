"""BrainMAE: region-aware masked autoencoder for fMRI ROI time series (Yang et al. 2024).

Inference runs in numpy; training (``neurodeck train-brainmae``) needs the optional
``train`` extra (PyTorch).
"""

from pathlib import Path

from neurodeck.plugin_api import (
    Analysis,
    Choice,
    Command,
    FilePath,
    Float,
    Int,
    SampleData,
    View,
    hookimpl,
    optional,
)

SHIPPED_CHECKPOINT = str(Path(__file__).resolve().parent / "checkpoints"
                         / "brainmae_aal2_hcp.safetensors")

BRAINMAE = Analysis(
    id="brainmae",
    title="BrainMAE (masked autoencoder)",
    category="fMRI",
    description=(
        "Region-aware masked autoencoder for ROI time series. Learnable region embeddings "
        "define graph attention between regions (self-loops removed); a transformer runs "
        "over ~10 s segments. Hides a random subset of regions per segment and reconstructs "
        "them from the others, giving per-region reconstruction error, segment- and "
        "scan-level embeddings, the region attention map and, when the checkpoint has "
        "one, a linear head's predictions. Several inputs are several subjects, run as one "
        "job; a 4D fMRI run goes through 'roi-extract' first. Inputs must match the "
        "checkpoint's atlas (number and order of regions) and TR."
    ),
    reference=(
        "Yang, Mao, Liu & Liu (2024) BrainMAE: A Region-aware Self-supervised Learning "
        "Framework for Brain Signals, arXiv:2406.17086."
    ),
    accepts=("roi_timeseries", "result:roi-extract"),
    run="neurodeck_brainmae.compute:run",
    n_inputs=(1, None),  # several subjects, or a study of them
    params=[
        FilePath("checkpoint", SHIPPED_CHECKPOINT,
                 filter="BrainMAE checkpoints (*.safetensors *.json *.pt *.pth)",
                 help="Checkpoint (.safetensors + .json config; .pt state dicts need torch); "
                      "default: the shipped AAL2 (94 regions, TR 0.72 s) model"),
        Float("mask_ratio", 0.5, minimum=0.01, maximum=0.95,
              help="Fraction of regions hidden per segment when reconstructing"),
        Int("seed", 0, minimum=0, help="Seed of the random region masks"),
        Choice("gaussian_covariance", "checkpoint", choices=("checkpoint", "subject"),
               help="Covariance of the linear Gaussian baseline: the checkpoint's training "
                    "scans (stored with it), or each subject's own scan (in-sample, "
                    "optimistic)"),
    ],
    outputs={
        "reconstruction": "regions x time: each region's signal predicted while it was "
                          "hidden, in the input's units; several subjects are concatenated "
                          "along time (see subject_frames)",
        "reconstruction_error": "per region: masked-reconstruction MSE in z units (1 = "
                                "predicting the region's scan mean), over all subjects",
        "embedding": "subjects x d: scan-level embedding (mean of segment_embeddings)",
        "segment_embeddings": "segments x d: contextual embedding of each segment, subjects "
                              "concatenated (see segment_subject, segment_start)",
        "attention": "regions x regions: region-aware graph attention of the state encoder "
                     "(rows sum to 1, zero diagonal); a property of the checkpoint",
        "prediction": optional("subjects x outputs: the checkpoint's linear head on the embedding "
                      "(class probabilities for a classifier); only when it has a head"),
        "prediction_names": optional("names of the head's outputs (only with a head)"),
        "subject_reconstruction_error": "subjects x regions: reconstruction_error per subject",
        "baseline_error_mean": "per region: MSE of mean imputation (z units) on the same masks",
        "baseline_error_nearest": "per region: MSE of nearest-visible-frame-in-time imputation",
        "baseline_error_gaussian": "per region: MSE of the linear Gaussian conditional mean "
                                   "(hidden regions from the visible ones at the same frame)",
        "baseline_reconstruction_gaussian": "regions x time: that conditional-mean "
                                            "imputation, in the input's units",
        "baseline_gaussian_covariance": "where the Gaussian baseline's covariance came from",
        "subject_baseline_error_mean": "subjects x regions: baseline_error_mean per subject",
        "subject_baseline_error_nearest": "subjects x regions: baseline_error_nearest per "
                                          "subject",
        "subject_baseline_error_gaussian": "subjects x regions: baseline_error_gaussian per "
                                           "subject",
        "original": "regions x time: the input signals, concatenated like reconstruction",
        "subjects": "subject (input) names",
        "subject_frames": "frames per subject (to split the concatenated time axis)",
        "segment_subject": "subject index of each segment",
        "segment_start": "start frame of each segment within its subject",
        "regions": "region names, in checkpoint order",
        "tr": "repetition time (s)",
    },
)


@hookimpl
def neurodeck_analyses():
    return [BRAINMAE]


@hookimpl
def neurodeck_sample_data():
    return [SampleData(
        id="brainmae-demo", title="fMRI: BrainMAE demo scan, 94 AAL2 regions (synthetic)",
        path="neurodeck_brainmae.demo:demo_path", kind="roi_timeseries",
        description="A synthetic Gaussian scan in the shipped checkpoint's layout (94 AAL2 "
                    "regions, TR 0.72 s, 400 frames) with the pooled statistics of its "
                    "training scans; not a recording. Opens into BrainMAE with its defaults. "
                    "Derived from HCP data: the WU-Minn HCP Open Access Data Use Terms apply.")]


@hookimpl
def neurodeck_views():
    return [View(id="brainmae-result", title="BrainMAE reconstruction and embeddings",
                 accepts=("result:brainmae",), widget="neurodeck_brainmae.view:BrainMAEView",
                 priority=10)]


@hookimpl
def neurodeck_commands():
    return [Command(name="train-brainmae",
                    help="Pre-train a BrainMAE checkpoint on ROI time series (needs torch)",
                    configure="neurodeck_brainmae.cli:configure",
                    main="neurodeck_brainmae.cli:main")]
