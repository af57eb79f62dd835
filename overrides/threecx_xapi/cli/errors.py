"""The one exception the commands raise for bad input: printed as one line, exit status 2."""

from __future__ import annotations

import click

EXIT_ERROR = 2


class InputError(click.ClickException):
    """Input the command cannot send (unknown operation or parameter, wrong type, bad body...)."""

    exit_code = EXIT_ERROR
