"""`synceng bench … --compare BASELINE.json` and `synceng bench compare` (issue 15,
item 5): side-by-side ratios compared where a figure has one, the right direction
for each unit, exit 1 on a regression beyond the threshold."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bench.cli import Outputs
from bench.compare import annotate, compare
from bench.ews import bench_render
from bench.results import Result, write_results
from mockews.service import MockExchange
from synceng.cli import main


def figure(name: str, unit: str, value: float, ratio: float | None = None) -> Result:
    extra: dict[str, Any] = {} if ratio is None else {"ratio_to_baseline": ratio}
    return {"name": name, "unit": unit, "value": value, "extra": extra}


def verdicts(baseline: list[Result], now: list[Result], allowed: float = 0.1) -> dict[str, str]:
    return {row.name: row.verdict for row in compare(baseline, now, allowed)}


def test_the_side_by_side_ratio_is_compared_where_there_is_one() -> None:
    # the machine got twice as slow (the figure halved) but the ratio held: a little
    # worse, within the allowed 10 %, no regression
    then = [figure("mfr_items_per_s", "items/s", 5000, ratio=20.0)]
    now = [figure("mfr_items_per_s", "items/s", 2500, ratio=19.5)]
    assert verdicts(then, now) == {"mfr_items_per_s": "worse"}
    # the ratio fell by a quarter while the figure stayed: a regression
    assert verdicts(then, [figure("mfr_items_per_s", "items/s", 5000, ratio=15.0)]) == {"mfr_items_per_s": "regression"}


def test_which_way_is_better_follows_the_unit_and_for_plain_ratios_the_name() -> None:
    then = [
        figure("render_ms", "ms", 1.0),
        figure("pages_per_s", "pages/s", 100),
        figure("sim_overhead_vs_client", "ratio", 3.0),
        figure("shard_speedup", "ratio", 1.6),
        figure("bytes_per_message", "bytes", 900),
    ]
    now = [
        figure("render_ms", "ms", 1.5),  # slower
        figure("pages_per_s", "pages/s", 150),  # faster
        figure("sim_overhead_vs_client", "ratio", 2.0),  # less overhead
        figure("shard_speedup", "ratio", 1.2),  # less speedup
        figure("bytes_per_message", "bytes", 1200),  # bigger
    ]
    assert verdicts(then, now) == {
        "render_ms": "regression",
        "pages_per_s": "better",
        "sim_overhead_vs_client": "better",
        "shard_speedup": "regression",
        "bytes_per_message": "regression",
    }
    assert verdicts(then, now, allowed=0.6) == {
        "render_ms": "worse",
        "pages_per_s": "ok",
        "sim_overhead_vs_client": "ok",
        "shard_speedup": "worse",
        "bytes_per_message": "worse",
    }


def test_figures_on_one_side_only_are_listed_and_never_fail() -> None:
    found = verdicts([figure("gone_per_s", "items/s", 1)], [figure("new_per_s", "items/s", 1)])
    assert found == {"new_per_s": "new", "gone_per_s": "gone"}


def test_written_results_say_what_a_comparison_reads_and_which_way_is_better(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_results(annotate([figure("a_ms", "ms", 2.0, ratio=1.5), figure("b_per_s", "items/s", 9)]), path)
    written = json.loads(path.read_text())
    assert [(e["compared"], e["better"]) for e in written] == [("ratio_to_baseline", "lower"), ("value", "higher")]


def write(path: Path, results: list[Result]) -> str:
    path.write_text(json.dumps(results))
    return str(path)


def test_bench_compare_exits_1_on_a_regression_and_writes_the_markdown_table(tmp_path: Path) -> None:
    base = write(tmp_path / "base.json", [figure("render_ms", "ms", 1.0, ratio=0.7), figure("x_per_s", "x/s", 10)])
    same = write(tmp_path / "same.json", [figure("render_ms", "ms", 1.3, ratio=0.72), figure("x_per_s", "x/s", 10.5)])
    slow = write(tmp_path / "slow.json", [figure("render_ms", "ms", 1.0, ratio=0.9), figure("x_per_s", "x/s", 10)])
    runner = CliRunner()
    ok = runner.invoke(main, ["bench", "compare", base, same])
    assert ok.exit_code == 0, ok.output
    assert "no figure regressed by more than 10%" in ok.output
    table = tmp_path / "summary.md"
    bad = runner.invoke(main, ["bench", "compare", base, slow, "--markdown", str(table)])
    assert bad.exit_code == 1
    assert "1 figure(s) regressed by more than 10%: render_ms" in bad.output
    text = table.read_text()
    assert "| `render_ms` | side-by-side ratio | 0.7 | 0.9 | +28.6% | lower is better | **regression** |" in text
    assert runner.invoke(main, ["bench", "compare", base, slow, "--max-regression", "30%"]).exit_code == 0


def test_bad_compare_input_is_refused_in_words(tmp_path: Path) -> None:
    base = write(tmp_path / "base.json", [figure("a_ms", "ms", 1.0)])
    junk = tmp_path / "junk.json"
    junk.write_text('{"not": "a list"}')
    runner = CliRunner()
    threshold = runner.invoke(main, ["bench", "compare", base, base, "--max-regression", "lots"])
    assert threshold.exit_code == 2 and "--max-regression: 'lots' is not a percentage such as 10%" in threshold.output
    file = runner.invoke(main, ["bench", "compare", str(junk), base])
    assert file.exit_code == 2 and "is not a list of {name, unit, value, extra} results" in file.output


def test_compare_fails_a_run_whose_render_is_deliberately_slowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real render benchmark, run twice: the second time with the mock's request
    handling slowed on purpose; its side-by-side ratio to lxml's parse regresses."""
    baseline = tmp_path / "baseline.json"
    write_results(annotate([bench_render(600, repeat=5)]), baseline)
    Outputs(None, baseline, "300%", None).finish([bench_render(600, repeat=5)])  # unchanged: passes
    handle = MockExchange.handle

    def slowed(self: MockExchange, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.03)
        return handle(self, *args, **kwargs)

    monkeypatch.setattr(MockExchange, "handle", slowed)
    table = tmp_path / "table.md"
    with pytest.raises(SystemExit) as failed:
        Outputs(None, baseline, "300%", table).finish([bench_render(600, repeat=5)])
    assert failed.value.code == 1
    assert "| `mock_render_ms_per_512` | side-by-side ratio |" in table.read_text()
    assert "**regression**" in table.read_text()
