"""manage.py forecast_backtest --csv FILE: rolling-origin forecasts of a sales file, for forecast_eval.py.

Needs no database: the engine works on the file alone.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forecasting.engine.panel import FREQS


class Command(BaseCommand):
    help = (
        "Backtest the demand forecasting engine on a date,sku,quantity CSV: forecasts at rolling origins "
        "(the last at T-H, each earlier one H//2 before), written as sku,origin,date,yhat,p10,p50,p90,mean,method,rule "
        "(yhat is the point forecast, mean the expected demand; the method that forecast each sku at each origin "
        "and the rule that chose it)."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--csv", required=True, help="Sales in long format: date,sku,quantity (a missing row is a zero)."
        )
        parser.add_argument(
            "--freq", required=True, choices=FREQS, help="Period of the file: D days, W Monday weeks, M month starts."
        )
        parser.add_argument("--horizon", type=int, default=12, help="Periods forecast from each origin (default 12).")
        parser.add_argument("--origins", type=int, default=3, help="Number of origins (default 3).")
        parser.add_argument("--out", required=True, help="Where to write the forecasts (CSV).")
        parser.add_argument("--no-prophet", action="store_true", help="Leave Prophet out (faster).")
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="Worker processes (default: every core; -1 also means every core).",
        )

    def handle(self, *args, **options):
        from forecasting.engine.backtest import SalesFileError, backtest, read_sales_csv

        path = Path(options["csv"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if options["horizon"] < 1 or options["origins"] < 1:
            raise CommandError("--horizon and --origins must be at least 1.")
        try:
            sales = read_sales_csv(path)
            run = backtest(
                sales,
                freq=options["freq"],
                horizon=options["horizon"],
                origins=options["origins"],
                use_prophet=not options["no_prophet"],
                n_jobs=options["jobs"],
            )
        except SalesFileError as error:
            raise CommandError(f"{path}: {error}") from None
        except ValueError as error:  # too few periods for the origins asked for
            raise CommandError(str(error)) from None
        out = Path(options["out"])
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            run.forecasts.to_csv(out, index=False, float_format="%.4f")
        except OSError as error:
            raise CommandError(f"cannot write {out}: {error}") from None
        for note in run.notes:
            self.stdout.write(f"Note: {note}")
        self.stdout.write(
            f"{run.skus:,} skus, {run.periods} periods, {len(run.origins)} origins "
            f"({', '.join(str(origin) for origin in run.origins)}), horizon {options['horizon']}: "
            f"{len(run.forecasts):,} rows in {run.seconds:.1f} s -> {out}"
        )
        self.stdout.write("Methods at the last origin:")
        for method, count in run.methods.most_common(8):
            self.stdout.write(f"  {count:>7,}  {method}")
        self.stdout.write("Rules that chose them:")
        for rule, count in run.rules.most_common(8):
            self.stdout.write(f"  {count:>7,}  {rule}")
