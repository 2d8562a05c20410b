"""The built-in ``neurodeck`` sub-commands, contributed through the same hook as a plugin's.

The plugin manager registers this module first (as datasette registers its default
plugins), so ``info``, ``run``, ``batch``... are ``Command`` contributions like any other;
a plugin command with one of these names is refused and reported.
"""

from ..plugin_api import Command, hookimpl

_C = "neurodeck.commands"


@hookimpl
def neurodeck_commands() -> list[Command]:
    return [
        Command("info", "describe what a file holds (or the members of a study)",
                f"{_C}.inspect:configure_info", f"{_C}.inspect:info"),
        Command("plugins", "list installed plugins, versions and status",
                f"{_C}.inspect:configure_json", f"{_C}.inspect:plugins"),
        Command("analyses", "list analyses and their parameters",
                f"{_C}.inspect:configure_json", f"{_C}.inspect:analyses"),
        Command("transforms", "list transforms and their parameters",
                f"{_C}.inspect:configure_json", f"{_C}.inspect:transforms"),
        Command("run", "run an analysis headless and save its result",
                f"{_C}.steps:configure_run", f"{_C}.steps:run"),
        Command("transform", "apply a transform headless and write the new dataset",
                f"{_C}.steps:configure_transform", f"{_C}.steps:transform"),
        Command("batch", "run an analysis over many files on dask.distributed",
                "neurodeck.batch.cli:configure", "neurodeck.batch.cli:cmd_batch"),
        Command("pipeline", "run, check or show a pipeline (transforms, then an analysis)",
                "neurodeck.pipeline.cli:configure", "neurodeck.pipeline.cli:main"),
        Command("install-plugin", "install a plugin (wheel file or package name) for this user",
                f"{_C}.manage:configure_install", "neurodeck.plugin_api.installer:cmd_install"),
        Command("remove-plugin", "remove a plugin installed for this user",
                f"{_C}.manage:configure_remove", "neurodeck.plugin_api.installer:cmd_remove"),
        Command("new-plugin", "create a plugin project from the template",
                f"{_C}.manage:configure_new_plugin", "neurodeck.templates:cmd_new_plugin"),
    ]
