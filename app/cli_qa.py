"""The QA reports of a render in the `aiprod render` summary: one table per report, a finding a row."""

from __future__ import annotations

from pathlib import Path

from engine.qa.report import PASSED, Report, read_report, report_path, table_rows


def reports_of(outputs: dict[str, dict]) -> list[tuple[Path, Report]]:
    """(path, report) for each file the rendered outputs wrote that is a QA report or has one beside it."""
    found = []
    for values in outputs.values():
        for value in values.values():
            if not (isinstance(value, dict) and isinstance(value.get("path"), str)):
                continue
            written = Path(value["path"])
            for path in (written, report_path(written)):
                report = read_report(path) if path.suffix == ".json" else None
                if report is not None:
                    found.append((path, report))
                    break
    return found


def print_qa_reports(outputs: dict[str, dict], console) -> None:
    from rich.table import Table

    for path, report in reports_of(outputs):
        if report.status == PASSED:
            console.print(f"QA {path.name}: [green]passed[/] ({len(report.checked)} checks)")
            continue
        table = Table(title=f"QA {path.name}: [red]{len(report.findings)} finding"
                            f"{'s' if len(report.findings) != 1 else ''}[/]")
        for column in ("shot", "time", "check", "value", "limit"):
            table.add_column(column)
        for row in table_rows(report):
            table.add_row(*row)
        console.print(table)

