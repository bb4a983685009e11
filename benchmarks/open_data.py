"""How long the open-data exports take: the 360Giving package (JSON and CSV) and one page of
the API's grants, for growing numbers of published awards, on a migrated SQLite database.

Run: python benchmarks/open_data.py [--sizes 1000 5000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    sizes = parser.parse_args().sizes

    from commonpot.app import create_app
    from commonpot.cli import upgrade_database
    from commonpot.extensions import db
    from grants import giving360
    from tests.open.test_giving360 import add_generated_awards

    print(f"{'awards':>7} {'json s':>8} {'csv s':>8} {'api page s':>11} {'json MB':>8}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
                              "TESTING": True})
            with app.app_context():
                upgrade_database()
                add_generated_awards(db.session, size)
                db.session.commit()
                options = giving360.options_from_config(app.config)
                started = time.perf_counter()
                package = giving360.package(db.session, **options)
                text = json.dumps(package)
                json_seconds = time.perf_counter() - started
                started = time.perf_counter()
                giving360.package_csv(package["grants"])
                csv_seconds = time.perf_counter() - started + json_seconds
            client = app.test_client()
            started = time.perf_counter()
            assert client.get("/api/v1/grants?per_page=200").status_code == 200
            api_seconds = time.perf_counter() - started
            print(f"{size:>7} {json_seconds:>8.2f} {csv_seconds:>8.2f} {api_seconds:>11.2f} "
                  f"{len(text) / 1e6:>8.2f}")
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
