"""Declarations of the MNE transforms (ids, parameters named as MNE names them).

Cheap to import: the code runs from ``neurodeck_mne.preprocess``/``events``/``epochs``/
``ica`` when a transform first runs.
"""

from neurodeck.plugin_api import (
    Analysis,
    Bool,
    Choice,
    FilePath,
    Float,
    Int,
    IntList,
    Text,
    Transform,
    optional,
)

from .montages import MONTAGES

BASELINE_MODES = ("mean", "ratio", "logratio", "percent", "zscore", "zlogratio")
MNE_REF = "Gramfort et al. (2013) MEG and EEG data analysis with MNE-Python, Front Neurosci 7:267"
CATEGORY = "EEG/MEG"
#: What the exported script of these transforms imports (their MNE calls, then a dataset).
SCRIPT_MODULES = ("mne", "neurodeck")

_FILTER_COMMON = [
    Choice("method", "fir", choices=("fir", "iir"), help="fir: windowed-sinc FIR (MNE's "
           "default); iir: Butterworth (or iir_ftype) applied forwards and backwards"),
    Text("filter_length", "auto", help="FIR length: 'auto', samples, or a duration ('10s')"),
    Choice("phase", "zero", choices=("zero", "zero-double", "minimum", "minimum-half",
                                     "forward"),
           help="zero: non-causal zero-phase (default); minimum: causal FIR; forward: causal "
                "IIR"),
    Choice("fir_window", "hamming", choices=("hamming", "hann", "blackman"),
           help="FIR window"),
    Choice("fir_design", "firwin", choices=("firwin", "firwin2"), help="FIR design"),
    Int("iir_order", 4, minimum=1, maximum=16, help="IIR: filter order (iir_params order)"),
    Choice("iir_ftype", "butter", choices=("butter", "cheby1", "cheby2", "ellip", "bessel"),
           help="IIR: filter type (iir_params ftype)"),
    Text("picks", None, optional=True, help="Channels or types to filter; empty = MNE's "
         "default (all data channels)"),
    Text("skip_by_annotation", "edge, bad_acq_skip",
         help="Annotations at which the recording is filtered in separate pieces"),
]

FILTER = Transform(
    id="filter", title="Filter (band-pass, high-pass, low-pass)", category=CATEGORY,
    description="raw.filter(l_freq, h_freq, ...) on a copy: band-pass (l_freq < h_freq), "
                "band-stop (l_freq > h_freq), high-pass (only l_freq) or low-pass (only "
                "h_freq), FIR or IIR with MNE's defaults. Lazy: windows are filtered as they "
                "are read (with the filter's reach of context), the whole recording exactly "
                "as MNE filters it when a later step needs it all.",
    reference=MNE_REF + "; Widmann, Schroger & Maess (2015) J Neurosci Methods 250:34",
    accepts=("recording",), produces=("recording",), storage="lazy",
    run="neurodeck_mne.preprocess:run_filter",
    script="neurodeck_mne.script_form:filter", script_modules=SCRIPT_MODULES,
    params=[
        Float("l_freq", None, optional=True, minimum=0.0, label="High-pass (l_freq, Hz)",
              help="Lower pass-band edge (Hz); empty = no high-pass"),
        Float("h_freq", None, optional=True, minimum=0.0, label="Low-pass (h_freq, Hz)",
              help="Upper pass-band edge (Hz); empty = no low-pass"),
        Text("l_trans_bandwidth", "auto", help="Lower transition band (Hz) or 'auto'"),
        Text("h_trans_bandwidth", "auto", help="Upper transition band (Hz) or 'auto'"),
        *_FILTER_COMMON,
    ],
)

NOTCH = Transform(
    id="notch", title="Notch filter (line noise)", category=CATEGORY,
    description="raw.notch_filter(freqs, ...) on a copy: removes narrow bands at the line "
                "frequency and, with harmonics, its multiples. Lazy like filter.",
    reference=MNE_REF, accepts=("recording",), produces=("recording",), storage="lazy",
    run="neurodeck_mne.preprocess:run_notch",
    script="neurodeck_mne.script_form:notch", script_modules=SCRIPT_MODULES,
    params=[
        Text("freqs", "50", help="Frequencies to remove (Hz): '50', '50, 60' or a range "
             "'50:200:50'"),
        Int("harmonics", 0, minimum=0, maximum=50,
            help="Also remove this many multiples of each frequency (2 with 50: 50, 100, "
                 "150 Hz); all must be below the Nyquist frequency"),
        Float("notch_widths", None, optional=True, minimum=0.0,
              help="Width of each stop band (Hz); empty = freqs / 200"),
        Float("trans_bandwidth", 1.0, minimum=0.0, help="Transition band (Hz)"),
        *_FILTER_COMMON,
    ],
)

RESAMPLE = Transform(
    id="resample", title="Resample", category=CATEGORY,
    description="raw.resample(sfreq) on a loaded copy: Fourier (fft) or polyphase "
                "resampling, with MNE's anti-aliasing. Computed in memory (it is a "
                "transform of the whole signal).",
    reference=MNE_REF, accepts=("recording",), produces=("recording",), storage="memory",
    run="neurodeck_mne.preprocess:run_resample",
    script="neurodeck_mne.script_form:resample", script_modules=SCRIPT_MODULES,
    params=[
        Float("sfreq", 100.0, minimum=0.001, label="New rate (sfreq, Hz)",
              help="New sampling rate (Hz)"),
        Choice("method", "fft", choices=("fft", "polyphase"), help="Resampling method"),
        Text("npad", "auto", help="fft: samples of padding, or 'auto'"),
        Text("window", "auto", help="Window: 'auto' (boxcar for fft, hamming for polyphase) "
             "or a scipy window name"),
        Text("pad", "auto", help="Edge padding: 'auto', 'reflect_limited', 'edge'..."),
    ],
)

CROP = Transform(
    id="crop", title="Crop", category=CATEGORY,
    description="raw.copy().crop(tmin, tmax): a time span of the recording (annotations "
                "cropped with it). Lazy: nothing is read until shown.",
    reference=MNE_REF, accepts=("recording",), produces=("recording",), storage="lazy",
    run="neurodeck_mne.preprocess:run_crop",
    script="neurodeck_mne.script_form:crop", script_modules=SCRIPT_MODULES,
    params=[
        Float("tmin", 0.0, minimum=0.0, help="Start (s, from the first sample)"),
        Float("tmax", None, optional=True, minimum=0.0, help="End (s); empty = the end"),
        Bool("include_tmax", True, help="Include the sample at tmax"),
    ],
)

PICK = Transform(
    id="pick", title="Pick or drop channels", category=CATEGORY,
    description="raw.copy().pick(picks, exclude): keep channels by name or type (eeg, eog, "
                "meg, stim...) and drop others. Lazy.",
    reference=MNE_REF, accepts=("recording",), produces=("recording",), storage="lazy",
    run="neurodeck_mne.preprocess:run_pick",
    script="neurodeck_mne.script_form:pick", script_modules=SCRIPT_MODULES,
    params=[
        Text("picks", "all", help="Channel names or types to keep ('eeg', 'eeg, eog', "
             "'Fp1, Fp2', 'data', 'all')"),
        Text("exclude", None, optional=True, help="Channel names to drop, or 'bads'"),
    ],
)

SET_CHANNEL_TYPES = Transform(
    id="set-channel-types", title="Set channel types", category=CATEGORY,
    description="raw.copy().set_channel_types(mapping): e.g. mark VEOG as eog and ECG as "
                "ecg, so filters, references and epoch rejection treat them as such. Lazy.",
    reference=MNE_REF, accepts=("recording",), produces=("recording",), storage="lazy",
    run="neurodeck_mne.preprocess:run_set_channel_types",
    script="neurodeck_mne.script_form:set_channel_types", script_modules=SCRIPT_MODULES,
    params=[Text("mapping", "", help="channel=type pairs: 'VEOG=eog, ECG=ecg, Status=stim'")],
)

REREFERENCE = Transform(
    id="rereference", title="Re-reference", category=CATEGORY,
    description="raw.set_eeg_reference(ref_channels) on a copy: average reference, or the "
                "mean of some channels (linked mastoids); with anode/cathode, "
                "mne.set_bipolar_reference (bipolar pairs). Lazy: applied per sample as read.",
    reference=MNE_REF, accepts=("recording",), produces=("recording",), storage="lazy",
    run="neurodeck_mne.preprocess:run_rereference",
    script="neurodeck_mne.script_form:rereference", script_modules=SCRIPT_MODULES,
    params=[
        Text("ref_channels", "average", help="'average', or the reference channels "
             "('M1, M2'); ignored when anode/cathode are given"),
        Choice("ch_type", "auto", choices=("auto", "eeg", "ecog", "seeg", "dbs"),
               help="Channel type to re-reference"),
        Text("anode", None, optional=True, help="Bipolar: anodes ('Fp1, F3')"),
        Text("cathode", None, optional=True, help="Bipolar: cathodes ('F3, C3'), one per "
             "anode"),
        Bool("drop_refs", True, help="Bipolar: drop the anode and cathode channels"),
    ],
)

SET_MONTAGE = Transform(
    id="set-montage", title="Set montage (channel positions)", category=CATEGORY,
    description="raw.copy().set_montage(montage): channel positions from one of MNE's "
                "standard montages or a positions file (mne.channels.read_custom_montage), "
                "needed by topographic maps, interpolation and ICLabel. Lazy.",
    reference=MNE_REF + "; Oostenveld & Praamstra (2001) Clin Neurophysiol 112:713",
    accepts=("recording",), produces=("recording",), storage="lazy",
    run="neurodeck_mne.preprocess:run_set_montage",
    script="neurodeck_mne.script_form:set_montage", script_modules=SCRIPT_MODULES,
    params=[
        Choice("montage", "standard_1005", choices=(*MONTAGES, "file"),
               help="A standard montage, or 'file' to read fname"),
        FilePath("fname", None, optional=True, label="Positions file",
                 filter="Positions (*.elc *.sfp *.loc *.locs *.eloc *.csd *.elp *.htps "
                        "*.bvef *.tsv)", help="montage 'file': the positions file"),
        Bool("standardize", False, help="First rename channels to the standard 10-10 "
             "spelling ('Fc5.' -> 'FC5', 'FP1' -> 'Fp1'; mne.datasets.eegbci.standardize)"),
        Bool("match_case", True, help="Match channel names to the montage case-sensitively"),
        Bool("match_alias", False, help="Also match MNE's channel-name aliases"),
        Choice("on_missing", "raise", choices=("raise", "warn", "ignore"),
               help="When channels have no position in the montage"),
    ],
)

INTERPOLATE_BADS = Transform(
    id="interpolate-bads", title="Interpolate bad channels", category=CATEGORY,
    description="raw.interpolate_bads() on a copy: bad EEG channels from spherical splines "
                "of the good ones (MEG: field mapping); needs a montage. Lazy: a fixed linear "
                "map of the good channels, applied as read.",
    reference=MNE_REF + "; Perrin et al. (1989) Electroencephalogr Clin Neurophysiol 72:184",
    accepts=("recording",), produces=("recording",), storage="lazy",
    run="neurodeck_mne.preprocess:run_interpolate_bads",
    script="neurodeck_mne.script_form:interpolate_bads", script_modules=SCRIPT_MODULES,
    params=[
        Bool("reset_bads", True, help="Unmark the interpolated channels"),
        Choice("mode", "accurate", choices=("accurate", "fast"), help="MEG field mapping"),
        Text("origin", "auto", help="Head origin: 'auto' (fit to the head shape) or 'x, y, z'"
             " in metres"),
        Text("exclude", None, optional=True, help="Bad channels not to interpolate"),
    ],
)

EVENTS = Transform(
    id="events", title="Events (stim channel, fixed, annotations)", category=CATEGORY,
    description="Events written into the recording's annotations, where MNE keeps them: "
                "from a stim/Status channel (mne.find_events; BDF Status included), at fixed "
                "intervals (mne.make_fixed_length_events), or the annotations already there; "
                "rename and merge with old=new pairs. Shown in the browser; used by epochs.",
    reference=MNE_REF, accepts=("recording",), produces=("recording",), storage="lazy",
    run="neurodeck_mne.events:run",
    script="neurodeck_mne.script_form:events", script_modules=SCRIPT_MODULES,
    params=[
        Choice("source", "stim", choices=("stim", "fixed", "annotations"),
               help="stim: trigger channel; fixed: every duration s; annotations: the "
                    "existing annotations (rename only)"),
        Text("rename", None, optional=True, help="old=new pairs: trigger codes or "
             "annotation names to names ('1=face, 2=house'); two old names to one new name "
             "merge them"),
        Text("stim_channel", None, optional=True, help="stim: channel name(s); empty = "
             "MNE's default search (STI 014, Status, ... or any stim channel)"),
        Choice("output", "onset", choices=("onset", "offset", "step"),
               help="stim: event at the onset or offset of each trigger, or at every step"),
        Choice("consecutive", "increasing", choices=("increasing", "true", "false"),
               help="stim: whether a change between two non-zero values is an event"),
        Float("min_duration", 0.0, minimum=0.0, help="stim: shortest trigger (s)"),
        Int("shortest_event", 2, minimum=1, help="stim: shortest trigger (samples)"),
        Int("mask", None, optional=True, minimum=0, help="stim: bit mask of the trigger "
            "values (e.g. 255 for the lower byte of a BDF Status)"),
        Choice("mask_type", "and", choices=("and", "not_and"), help="stim: how mask applies"),
        Bool("uint_cast", False, help="stim: read the channel as unsigned (Elekta/Neuromag)"),
        Bool("initial_event", False, help="stim: an event at sample 0 if the channel starts "
             "non-zero"),
        Float("duration", 2.0, minimum=0.001, help="fixed: seconds between events"),
        Float("overlap", 0.0, minimum=0.0, help="fixed: overlap of consecutive windows (s)"),
        Text("fixed_name", "fixed", help="fixed: the events' name"),
    ],
)

_REJECT = Text("reject", None, optional=True,
               help="Peak-to-peak rejection per channel type, in volts (T, T/m for MEG): "
                    "'eeg=150e-6, eog=250e-6'")

EPOCHS = Transform(
    id="epochs", title="Epochs", category=CATEGORY,
    description="mne.Epochs around the recording's events (from its annotations, as "
                "mne.events_from_annotations finds them): tmin/tmax, baseline correction, "
                "peak-to-peak and flat rejection, rejection by BAD_ annotations, optional "
                "metadata (mne.epochs.make_metadata). The drop log is kept and shown.",
    reference=MNE_REF, accepts=("recording",), produces=("epochs",), storage="memory",
    run="neurodeck_mne.epochs:run_epochs",
    script="neurodeck_mne.script_form:epochs", script_modules=SCRIPT_MODULES,
    params=[
        Text("event_id", None, optional=True, help="Events to epoch: names ('T1, T2'), or "
             "name=code pairs; empty = every event (all but BAD_/EDGE annotations)"),
        Float("tmin", -0.2, help="Start of each epoch relative to its event (s)"),
        Float("tmax", 0.5, help="End of each epoch relative to its event (s)"),
        Text("baseline", "None, 0", optional=True, help="Baseline interval 'start, end' in s "
             "(None = the epoch's edge); empty or 'none': no baseline correction"),
        _REJECT,
        Text("flat", None, optional=True, help="Reject epochs flatter than this "
             "peak-to-peak per type: 'eeg=1e-6'"),
        Float("reject_tmin", None, optional=True, help="Start of the rejection window (s)"),
        Float("reject_tmax", None, optional=True, help="End of the rejection window (s)"),
        Bool("reject_by_annotation", True, help="Drop epochs overlapping BAD_ annotations"),
        Choice("detrend", "none", choices=("none", "0", "1"),
               help="Remove the mean (0) or a linear trend (1) from each epoch"),
        Int("decim", 1, minimum=1, help="Keep every decim-th sample (low-pass first)"),
        Text("picks", None, optional=True, help="Channels or types to keep; empty = MNE's "
             "default"),
        Choice("event_repeated", "error", choices=("error", "drop", "merge"),
               help="Events at the same sample: error, keep the first, or merge them"),
        Bool("metadata", False, help="Add metadata: for each epoch, the time of every event "
             "type inside its window (mne.epochs.make_metadata)"),
    ],
)

AVERAGE = Transform(
    id="average", title="Average (evoked responses)", category=CATEGORY,
    description="epochs.average(by_event_type=True): the evoked response of each condition "
                "(mean, or median across epochs).",
    reference=MNE_REF, accepts=("epochs",), produces=("evoked",), storage="memory",
    run="neurodeck_mne.epochs:run_average",
    script="neurodeck_mne.script_form:average", script_modules=("neurodeck", "neurodeck_mne"),
    params=[
        Choice("method", "mean", choices=("mean", "median"), help="Across epochs"),
        Bool("by_event_type", True, help="One evoked response per condition (else one for "
             "all epochs)"),
        Text("picks", None, optional=True, help="Channels or types; empty = data channels"),
    ],
)

ICA_FIT = Transform(
    id="ica-fit", title="ICA: fit", category=CATEGORY,
    description="mne.preprocessing.ICA(n_components, method).fit(data): independent "
                "components (FastICA, Picard, extended Infomax), with the variance each "
                "explains and, with a montage, ICLabel's suggested labels (mne-icalabel; "
                "fit on 1-100 Hz average-referenced EEG with extended Infomax for the labels "
                "ICLabel was trained on). Mark components in the components view; remove "
                "them with ica-apply.",
    reference=MNE_REF + "; Hyvarinen (1999) IEEE TNN 10:626; Ablin et al. (2018) IEEE TSP "
              "66:4040; Lee et al. (1999) Neural Comput 11:417; Pion-Tonachini et al. (2019) "
              "NeuroImage 198:181",
    accepts=("recording", "epochs"), produces=("ica",), storage="memory",
    run="neurodeck_mne.ica:run_fit",
    params=[
        Float("n_components", 20.0, optional=True, minimum=0.0,
              help="Components: a count, or a fraction (0-1) of explained variance; empty = "
                   "all (after PCA rank)"),
        Choice("method", "picard", choices=("fastica", "picard", "infomax"),
               help="ICA algorithm"),
        Bool("extended", True, help="picard/infomax: extended (sub- and super-Gaussian "
             "sources, as ICLabel expects)"),
        Int("random_state", 97, minimum=0, help="Seed: the same seed gives the same fit"),
        Text("max_iter", "auto", help="Iterations: 'auto' or a number"),
        Text("picks", None, optional=True, help="Channels or types; empty = data channels "
             "(bads excluded)"),
        Int("decim", None, optional=True, minimum=1, help="Fit on every decim-th sample"),
        _REJECT,
        Bool("reject_by_annotation", True, help="Leave out BAD_ annotated spans"),
        Float("tstep", 2.0, minimum=0.01, help="Recording: length of the segments tested "
              "against reject (s)"),
        Choice("iclabel", "auto", choices=("auto", "yes", "no"),
               help="Suggest labels with ICLabel: auto = when EEG channels have positions"),
    ],
)

ICA_APPLY = Transform(
    id="ica-apply", title="ICA: remove marked components", category=CATEGORY,
    description="ica.apply(data, exclude): the data without the components marked in the "
                "ICA solution (or those given in exclude). Input: the ICA solution and, "
                "optionally, the recording or epochs to clean (default: those it was fitted "
                "on). Lazy on recordings (a fixed linear map across channels).",
    reference=MNE_REF, accepts=("ica", "recording", "epochs"),
    produces=("recording", "epochs"), storage="lazy", n_inputs=(1, 2),
    run="neurodeck_mne.ica:run_apply",
    script="neurodeck_mne.script_form:ica_apply", script_modules=SCRIPT_MODULES,
    params=[IntList("exclude", None, optional=True, minimum=0,
                    help="Components to remove; empty = those marked in the ICA solution")],
)

TRANSFORMS = [FILTER, NOTCH, RESAMPLE, CROP, PICK, SET_CHANNEL_TYPES, REREFERENCE,
              SET_MONTAGE, INTERPOLATE_BADS, EVENTS, EPOCHS, AVERAGE, ICA_FIT, ICA_APPLY]

_CHANNELS = {
    "labels": "channel names, one per row",
    "ch_types": "channel types (eeg, mag, grad, eog...), one per row",
    "positions": "n_channels x 3 head positions (m, MNE's device/head frame; NaN when no "
                 "montage is set)",
}

PSD = Analysis(
    id="psd", title="Power spectrum", category=CATEGORY,
    description="Power spectral density per channel: inst.compute_psd(method) with Welch's "
                "averaged periodograms or DPSS multitapers; epochs are averaged. Shown per "
                "channel or averaged, on log or dB axes, with frequency bands and band-power "
                "topographic maps.",
    reference=MNE_REF + "; Welch (1967) IEEE Trans Audio Electroacoust 15:70; Percival & "
              "Walden (1993) Spectral Analysis for Physical Applications",
    accepts=("recording", "epochs", "evoked"), run="neurodeck_mne.spectra:run_psd",
    params=[
        Choice("method", "welch", choices=("welch", "multitaper"), help="Estimator"),
        Float("fmin", 0.0, minimum=0.0, help="Lowest frequency (Hz)"),
        Float("fmax", None, optional=True, minimum=0.0, help="Highest frequency (Hz); "
              "empty = Nyquist"),
        Float("tmin", None, optional=True, help="Start of the span (s); empty = start"),
        Float("tmax", None, optional=True, help="End of the span (s); empty = end"),
        Text("picks", "data", help="Channels or types ('data', 'eeg', 'Cz, Pz')"),
        Bool("exclude_bads", True, help="Leave out channels marked bad"),
        Bool("remove_dc", True, help="Subtract each segment's mean"),
        Bool("reject_by_annotation", True, help="Recording: leave out BAD_ annotated spans"),
        Int("n_fft", None, optional=True, minimum=2, help="Welch: FFT length (samples); "
            "empty = MNE's default (256)"),
        Int("n_overlap", None, optional=True, minimum=0, help="Welch: overlap (samples)"),
        Int("n_per_seg", None, optional=True, minimum=2, help="Welch: segment length "
            "(samples); empty = n_fft"),
        Choice("window", "hamming", choices=("hamming", "hann", "boxcar", "blackman"),
               help="Welch: taper"),
        Choice("welch_average", "mean", choices=("mean", "median"),
               help="Welch: how segments are combined"),
        Float("bandwidth", None, optional=True, minimum=0.0, help="Multitaper: frequency "
              "smoothing (Hz); empty = 8 / duration"),
        Bool("adaptive", False, help="Multitaper: adaptive weights"),
        Bool("low_bias", True, help="Multitaper: only tapers with > 90% spectral "
             "concentration"),
        Text("condition", None, optional=True, help="Evoked: the condition (default the "
             "first)"),
    ],
    outputs={"psd": "n_channels x n_freqs power spectral density (V^2/Hz, T^2/Hz...)",
             "freqs": "frequencies (Hz)", **_CHANNELS},
)

TFR = Analysis(
    id="tfr", title="Time-frequency power", category=CATEGORY,
    description="Induced power over time and frequency: epochs.compute_tfr with Morlet "
                "wavelets or DPSS multitapers, averaged over epochs; optional baseline "
                "correction (mne.baseline.rescale: mean, ratio, logratio, percent, zscore, "
                "zlogratio), re-done interactively in the view. Per channel and as a "
                "topographic layout.",
    reference=MNE_REF + "; Tallon-Baudry et al. (1997) J Neurosci 17:722",
    accepts=("epochs", "evoked"), run="neurodeck_mne.spectra:run_tfr",
    params=[
        Choice("method", "morlet", choices=("morlet", "multitaper"), help="Estimator"),
        Text("freqs", "4:40:2", help="Frequencies (Hz): '4:40:2' (start:stop:step) or a "
             "list"),
        Text("n_cycles", "freqs/2", help="Cycles per wavelet: a number, or 'freqs/K'"),
        Float("time_bandwidth", 4.0, minimum=1.0, help="Multitaper: time-bandwidth product"),
        Bool("use_fft", True, help="Convolve with FFTs"),
        Int("decim", 1, minimum=1, help="Keep every decim-th time point"),
        Text("picks", None, optional=True, help="Channels or types; empty = data channels"),
        Bool("average", True, help="Average power over epochs"),
        Bool("return_itc", False, help="Also inter-trial coherence (needs average)"),
        Text("baseline", None, optional=True, help="Baseline 'start, end' (s); empty or "
             "'none': no baseline correction"),
        Choice("mode", "logratio", choices=BASELINE_MODES, help="Baseline correction"),
        Text("condition", None, optional=True, help="Evoked: the condition (default the "
             "first)"),
    ],
    outputs={"power": "n_channels x n_freqs x n_times power (baseline-corrected when a "
                      "baseline is given)",
             "freqs": "frequencies (Hz)", "times": "times (s)", **_CHANNELS,
             "itc": optional("inter-trial coherence, like power (return_itc)"),
             "power_raw": optional("power before baseline correction"),
             "baseline": optional("the baseline interval (s; NaN = the edge)")},
)

ANALYSES = [PSD, TFR]
