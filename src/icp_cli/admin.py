"""`icp admin`: one-off operator tasks run with the operator's own AWS credentials."""

from __future__ import annotations

import os

import click


@click.group("admin", short_help="One-off operator tasks (run with your own AWS credentials).")
def admin_group() -> None:
    """One-off operator tasks, run with your own AWS credentials against the deployment's table."""


@admin_group.command("migrate", short_help="Move records of the earlier layout to the current one.")
@click.option("--table", required=True, envvar="TABLE_NAME", help="The connections table (TABLE_NAME).")
@click.option("--region", envvar="AWS_REGION", help="Its Region (AWS_REGION, else the SDK's default).")
def migrate_command(table: str, region: str | None) -> None:
    """Move every record written by an earlier version (its history inside the record) to the
    current layout: one item per history entry, the record bounded in size (docs/data-model.md,
    "Migration"). Safe to run again, and to run again after it stopped half-way: it finishes
    what is left and changes nothing else."""
    from icp import store
    from icp.store.migrate import migrate_table

    os.environ["TABLE_NAME"] = table
    if region:
        os.environ["AWS_REGION"] = region
    store.forget_table()

    def progress(connection_id: str, moved: bool) -> None:
        click.echo(f"{connection_id}: {'migrated' if moved else 'already current'}")

    counts = migrate_table(progress)
    click.echo(
        f"{counts['records']} records: {counts['migrated']} migrated, "
        f"{counts['alreadyCurrent']} already in the current layout"
    )
