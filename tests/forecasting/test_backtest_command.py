"""manage.py forecast_backtest: the scorer's contract, from a sales file, without the database.

No test here has database access: the command must not need it.
"""

import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command


def write_sales(path, skus=8, weeks=30, start="2024-01-01"):
    rng = np.random.default_rng(5)
    dates = pd.date_range(start, periods=weeks, freq="W-MON")
    rows = []
    for k in range(skus):
        for d in dates:
            quantity = rng.poisson(6) if k % 2 else (rng.random() < 0.3) * rng.integers(1, 9)
            if quantity:  # a missing row is a zero
                rows.append(f"{d.date()},SKU-{k},{quantity}")
    rows.append(f"{dates[-1].date()},LATE,4")  # sold only in the last week: zeros at every origin
    path.write_text("date,sku,quantity\n" + "\n".join(rows) + "\n")
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("forecast_backtest", *args, stdout=out)
    return out.getvalue()


def test_writes_every_sku_at_every_origin(tmp_path):
    sales = write_sales(tmp_path / "sales.csv")
    out = tmp_path / "out" / "forecasts.csv"
    printed = run(
        "--csv",
        str(sales),
        "--freq",
        "W",
        "--horizon",
        "6",
        "--origins",
        "3",
        "--out",
        str(out),
        "--no-prophet",
        "--jobs",
        "1",
    )
    assert "9 skus, 30 periods, 3 origins (2024-05-06, 2024-05-27, 2024-06-17), horizon 6" in printed
    frame = pd.read_csv(out, dtype={"sku": str})
    assert list(frame.columns) == ["sku", "origin", "date", "yhat", "p10", "p50", "p90", "mean", "method", "rule"]
    assert frame["method"].notna().all() and frame["rule"].notna().all()  # per sku and origin: what, and why
    late = frame[frame["sku"] == "LATE"]
    assert (late["method"] == "Zero").all() and (late["rule"] == "never sold: zeros").all()
    assert len(frame) == 9 * 3 * 6
    assert frame.groupby(["sku", "origin"]).size().eq(6).all()
    assert sorted(frame["origin"].unique()) == ["2024-05-06", "2024-05-27", "2024-06-17"]
    assert (frame.loc[frame["sku"] == "LATE", "yhat"] == 0).all()
    assert (frame[["yhat", "p10", "p50", "p90"]] >= 0).all().all()
    assert (frame["p10"] <= frame["p90"]).all()


def test_monthly_file(tmp_path):
    months = pd.date_range("2021-01-01", periods=30, freq="MS")
    text = "date,sku,quantity\n" + "".join(
        f"{m.date()},A,{10 + m.month}\n{m.date()},B,{3 + (m.month == 12) * 9}\n" for m in months
    )
    (tmp_path / "m.csv").write_text(text)
    run(
        "--csv",
        str(tmp_path / "m.csv"),
        "--freq",
        "M",
        "--horizon",
        "4",
        "--origins",
        "2",
        "--out",
        str(tmp_path / "o.csv"),
        "--no-prophet",
    )
    frame = pd.read_csv(tmp_path / "o.csv")
    assert sorted(frame["origin"].unique()) == ["2023-01-01", "2023-03-01"]  # T - H = 26, then 26 - 4 // 2
    assert len(frame) == 2 * 2 * 4


@pytest.mark.parametrize(
    "content, message",
    [
        ("day,sku,quantity\n2024-01-01,A,1\n", "missing column date"),
        ("date,sku\n2024-01-01,A\n", "missing column quantity"),
        ("date,sku,quantity\n2024-01-01,A,1\nlast tuesday,A,2\n", "row 3: 'last tuesday' is not a date"),
        ("date,sku,quantity\n2024-01-01,A,1\n2024-01-08,A,two\n", "row 3: quantity 'two' is not a number"),
        ("date,sku,quantity\n2024-01-01,A,1\n2024-01-09,A,2\n", "row 3: 2024-01-09 is not a Monday"),
        ("date,sku,quantity\n", "no rows"),
        ("date,sku,quantity\n2024-01-01,A,1\n2024-01-08,A,2\n", "too few"),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        run(
            "--csv",
            str(path),
            "--freq",
            "W",
            "--horizon",
            "4",
            "--origins",
            "3",
            "--out",
            str(tmp_path / "o.csv"),
            "--no-prophet",
        )
    assert not (tmp_path / "o.csv").exists()


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        run("--csv", str(tmp_path / "nope.csv"), "--freq", "W", "--out", str(tmp_path / "o.csv"))
