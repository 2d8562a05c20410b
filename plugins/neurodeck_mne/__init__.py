"""Electrophysiology through MNE-Python: readers, writers, the EEG sample, and the EEG/MEG
chain from raw file to result (filters, references, montages, events, epochs, evoked
responses, ICA) as transforms, with spectra and views.

Importing this module is cheap: MNE itself is imported by the modules named in the
declarations only when they are first used.
"""

from neurodeck.plugin_api import Reader, SampleData, View, Writer, hookimpl

from .steps import ANALYSES, TRANSFORMS

# Every continuous format mne.io.read_raw dispatches on, by extension.
RAW_EXTENSIONS = (
    ".fif", ".fif.gz", ".edf", ".edf+", ".bdf", ".gdf", ".vhdr", ".ahdr", ".set", ".cnt",
    ".snirf", ".nxe", ".mff", ".sqd", ".con", ".lay", ".data", ".bin", ".nedf", ".eeg",
    ".cdt", ".xdf", ".ds", ".mat",
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
