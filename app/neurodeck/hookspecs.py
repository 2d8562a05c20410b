"""Every neurodeck hook, in one file.

A plugin is a module (or object) with functions decorated by
``neurodeck.plugin_api.hookimpl`` and named like the specifications below. It is
discovered through the ``neurodeck.plugins`` entry-point group::

    [project.entry-points."neurodeck.plugins"]
    my_plugin = "neurodeck_my_plugin"

Each hook returns a list of contribution objects from
:mod:`neurodeck.plugin_api` (``Reader``, ``Analysis``...). neurodeck calls each
plugin's implementation separately, so one plugin that raises cannot hide the
contributions of the others; the error is shown in the plugin manager.

Hooks must be cheap: return declarations whose callables are
``"module:attribute"`` strings, imported only when first used.
"""

from __future__ import annotations

import pluggy

from .plugin_api.contributions import (
    Analysis,
    Command,
    Reader,
    SampleData,
    Transform,
    View,
    Writer,
)

hookspec = pluggy.HookspecMarker("neurodeck")


@hookspec
def neurodeck_readers() -> list[Reader]:
    """File readers this plugin provides.

    Returns a list of :class:`~neurodeck.plugin_api.Reader`. ``neurodeck.open``
    picks the reader whose extension matches (longest match, then ``priority``),
    or whose ``sniff(path)`` accepts the file content. A reader may return a
    :class:`~neurodeck.Study` (a folder or file of many subjects), and may declare
    ``members(path)`` so that ``neurodeck.open_study`` and ``--member`` reach each
    subject/animal/session of a multi-member file on its own.

    Example::

        @hookimpl
        def neurodeck_readers():
            return [Reader(id="spikes-txt", title="Spike times (text)",
                           extensions=(".spk",), read="my_plugin.io:read_spk",
                           produces=("spikes",))]
    """


@hookspec
def neurodeck_writers() -> list[Writer]:
    """File writers (export formats) for datasets and results.

    Returns a list of :class:`~neurodeck.plugin_api.Writer`; ``write(dataset, path)``
    must write atomically or leave no partial file.

    Example::

        @hookimpl
        def neurodeck_writers():
            return [Writer(id="traces-csv", title="CSV table", extensions=(".csv",),
                           accepts=("traces",), write="my_plugin.io:write_csv")]
    """


@hookspec
def neurodeck_analyses() -> list[Analysis]:
    """Analyses, shown in the Analyses menu and available to ``neurodeck.run``.

    Returns a list of :class:`~neurodeck.plugin_api.Analysis`: an id, a title, a
    description naming the paper implemented, the dataset kinds it accepts, a typed
    parameter schema and ``run(inputs, params, progress)`` returning named arrays.

    Example::

        @hookimpl
        def neurodeck_analyses():
            return [Analysis(id="mean-rate", title="Mean rate",
                             description="Mean of each row over time.",
                             accepts=("timeseries",), run="my_plugin.rate:run",
                             params=[Float("tmin", 0.0, help="start (s)")],
                             outputs={"rate": "one value per row"})]
    """


@hookspec
def neurodeck_transforms() -> list[Transform]:
    """Transforms: datasets in, a new dataset out (filter, epochs, dF/F...).

    Returns a list of :class:`~neurodeck.plugin_api.Transform`: an id, a title, a
    description naming the method's reference, accepted and produced kinds, a typed
    parameter schema, how the output is held (``storage``: ``"lazy"``, ``"memory"`` or
    ``"file"``) and ``run(inputs, params, progress)`` returning the new dataset. The
    input is never modified; the output joins the data tree under it, and the step is
    recorded in the history, replayed, exported to scripts and usable in pipelines.

    Example::

        @hookimpl
        def neurodeck_transforms():
            return [Transform(id="zscore-rows", title="z-score rows",
                              description="Each row minus its mean, over its s.d.",
                              accepts=("timeseries",), produces=("traces",),
                              run="my_plugin.zscore:run")]
    """


@hookspec
def neurodeck_views() -> list[View]:
    """Views (Qt widgets) for dataset kinds or for one analysis's results.

    Returns a list of :class:`~neurodeck.plugin_api.View`. ``widget`` names a
    ``QWidget`` class taking ``(obj, parent=None)``; it is imported only by the
    GUI. Use ``accepts=("result:<analysis id>",)`` for result views.

    Example::

        @hookimpl
        def neurodeck_views():
            return [View(id="rate-bars", title="Rates", accepts=("result:mean-rate",),
                         widget="my_plugin.view:RateView")]
    """


@hookspec
def neurodeck_sample_data() -> list[SampleData]:
    """Example files listed under File > Open Sample (bundled, never downloaded).

    Returns a list of :class:`~neurodeck.plugin_api.SampleData` whose ``path`` is a
    path or a callable returning one.

    Example::

        @hookimpl
        def neurodeck_sample_data():
            return [SampleData(id="my-eeg", title="Example EEG",
                               path="my_plugin.samples:eeg_path", kind="recording")]
    """


@hookspec
def neurodeck_commands() -> list[Command]:
    """Extra ``neurodeck`` command-line sub-commands.

    Returns a list of :class:`~neurodeck.plugin_api.Command`:
    ``configure(parser)`` adds arguments, ``main(args) -> int`` runs the command.

    Example::

        @hookimpl
        def neurodeck_commands():
            return [Command(name="train-mine", help="Train my model",
                            configure="my_plugin.cli:configure", main="my_plugin.cli:main")]
    """
