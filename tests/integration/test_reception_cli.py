"""``petitions reception dates`` (issue 17): the schedule rules on the command line, with the
calendar's local overrides from the database, and one clear line with exit 2 on bad input."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from petitions_cli.main import cli


@pytest.fixture
def run(ctx, db_url):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), env={"DATABASE_URL": db_url})


def test_monthly_dates_with_an_override(run):
    ok = run("reception", "dates", "--monthly-days", "5,28", "--from", "2027-01-01", "--to",
             "2027-03-31", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output) == ["2027-01-05", "2027-01-28", "2027-02-11", "2027-03-01",
                                     "2027-03-05", "2027-03-29"]
    assert run("calendar", "override", "add", "2027-01-05", "--off").exit_code == 0
    moved = run("reception", "dates", "--monthly-days", "5", "--from", "2027-01-01", "--to",
                "2027-01-31", "--json")
    assert json.loads(moved.output) == ["2027-01-06"]


def test_weekly_dates(run):
    ok = run("reception", "dates", "--weekday", "4", "--from", "2027-02-01", "--to", "2027-02-28",
             "--json")
    assert json.loads(ok.output) == ["2027-02-11", "2027-02-18", "2027-02-25"]


@pytest.mark.parametrize("args", [
    ["--from", "2027-01-01", "--to", "2027-02-01"],
    ["--weekday", "1", "--monthly-days", "5", "--from", "2027-01-01", "--to", "2027-02-01"],
    ["--monthly-days", "32", "--from", "2027-01-01", "--to", "2027-02-01"],
    ["--monthly-days", "0", "--from", "2027-01-01", "--to", "2027-02-01"],
    ["--weekday", "8", "--from", "2027-01-01", "--to", "2027-02-01"],
    ["--weekday", "1", "--from", "2027-03-01", "--to", "2027-02-01"],
    ["--weekday", "1", "--from", "2027-13-01", "--to", "2027-02-01"],
])
def test_bad_input_is_one_line_and_exit_2(run, args):
    result = run("reception", "dates", *args, "--json")
    assert result.exit_code == 2
    assert "Traceback" not in result.output and result.output.strip()


def test_figures_of_a_period(run):
    ok = run("reception", "figures", "--unit", "xa-a", "--from", "2027-01-01", "--to",
             "2027-01-31", "--json")
    assert ok.exit_code == 0, ok.output
    counted = json.loads(ok.output)
    assert (counted["visits"], counted["people"], counted["groups"], counted["leaders"]) == \
        (0, 0, 0, [])
    bad = run("reception", "figures", "--unit", "xa-a", "--from", "2027-02-01", "--to",
              "2027-01-01", "--json")
    assert bad.exit_code == 2 and "sau --to" in bad.output
