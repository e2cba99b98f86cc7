#!/usr/bin/env bash
# Re-run every command whose output or figure the README and docs/ show, and copy the figures into
# docs/figures/. Prints the outputs to paste into them (their console blocks are checked
# verbatim by tests/test_docs.py). About 30 minutes on two cores.
#   bash docs/refresh.sh            (uses coopsim and python from the active environment)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
figures=docs/figures
export COLUMNS=120

echo "== coopsim run (reference)"
coopsim run scenarios/uz_cn_2025.toml --out "$out/ref"
for f in fan_chart composition reach_probability finance; do cp "$out/ref/$f.png" "$figures/uz_cn_2025_$f.png"; done
python - "$out/ref/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
for y in ("2025", "2026", "2028", "2030", "2035"):
    a, t, sh = s["annual_trade_usd_bn"][y], s["country_total_usd_bn"][y], s["partner_share"][y]
    e, i, b = s["annual_exports_usd_bn"][y], s["annual_imports_usd_bn"][y], s["annual_balance_usd_bn"][y]
    print(f"| {y} | {a['p5']:.1f} / {a['p50']:.1f} / {a['p95']:.1f} | {t['p5']:.0f} / {t['p50']:.0f} / {t['p95']:.0f} | "
          f"{100 * sh['p5']:.1f}% / {100 * sh['p50']:.1f}% / {100 * sh['p95']:.1f}% | {e['mean']:.1f} | {i['mean']:.1f} | {b['mean']:.1f} |")
f = s.get("finance", {})
print("finance:", json.dumps(f)[:2500])
c = s["components_by_direction_mean_usd_bn"]
for y in ("2025", "2028", "2030"):
    print(y, {d: {k: round(v, 2) for k, v in c[y][d].items()} for d in c[y]})
EOF

echo "== coopsim run (the latest view)"
coopsim run scenarios/uz_cn_latest.toml --out "$out/latest"
python -c "
import json; s = json.load(open('$out/latest/summary.json'))
print({y: s['p_reach_by_year'][y] for y in ('2026', '2027', '2028', '2030')}, s['annual_trade_usd_bn']['2026'])"

echo "== coopsim track (the reference's view at every release date since 2023)"
time coopsim track scenarios/uz_cn_2025.toml --out "$out/track"
for f in track_probability track_pit track_coverage; do cp "$out/track/$f.png" "$figures/uz_cn_2025_$f.png"; done

echo "== coopsim compare"
coopsim compare scenarios/uz_cn_2025.toml scenarios/uz_cn_railway_late.toml scenarios/uz_cn_finance_squeeze.toml \
    scenarios/uz_cn_trade_shock.toml scenarios/uz_cn_localisation_push.toml --out "$out/cmp"
for f in reach_probability difference_p_reach; do cp "$out/cmp/$f.png" "$figures/compare_$f.png"; done

echo "== shipped scenarios, one run each (10,000 paths)"
for s in scenarios/*.toml; do
    name=$(basename "$s" .toml)
    coopsim run "$s" --out "$out/run_$name" --quiet
    python - "$out/run_$name/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
p = s["p_reach_by_year"]
a = s["p_above_in_year"]
print(f"| `{s['scenario']}` | {p['2026']['p']:.1%} | {p['2028']['p']:.1%} | {p['2030']['p']:.1%} | {a['2028']['p']:.1%} | {a['2030']['p']:.1%} | {s['hit_year']['p50']} | {s['annual_trade_usd_bn']['2035']['p95']:.0f} |")
EOF
done

echo "== the reporter gap: the reference against the China-customs target, paired"
coopsim compare scenarios/uz_cn_2025.toml scenarios/cn_customs_target.toml scenarios/uz_cn_slower_growth.toml --out "$out/cmp_gap"

echo "== paired gain"
python benchmarks/paired_gain.py

echo "== goal"
coopsim goal scenarios/uz_cn_2025.toml --lever trade.structural.total_growth.mean --year 2028 --probability 0.8 --range 0:0.2 --out "$out/goal"
cp "$out/goal/goal.png" "$figures/uz_cn_2025_goal.png"

echo "== attribution and what to finance first (about six minutes)"
coopsim attribute scenarios/uz_cn_2025.toml --year 2028 --out "$out/att"
cp "$out/att/attribution.png" "$figures/uz_cn_2025_attribution.png"
coopsim prioritise scenarios/uz_cn_2025.toml --year 2028 --budget-usd-bn 5 --out "$out/prio"

echo "== sensitivity (about four minutes)"
coopsim sensitivity scenarios/uz_cn_2025.toml --year 2030 --out "$out/sens"
python - "$out/sens" <<'EOF'
import json, sys, pathlib
d = json.loads((pathlib.Path(sys.argv[1]) / "sensitivity.json").read_text())
print(json.dumps({k: v for k, v in d.items() if k not in ("rows",)}, indent=1)[:6000])
EOF
cp "$out/sens/tornado.png" "$figures/uz_cn_2025_tornado.png"
cp "$out/sens/sobol_reached.png" "$figures/uz_cn_2025_sobol.png"
cp "$out/sens/discovery.png" "$figures/uz_cn_2025_discovery.png"

echo "== calibration and backtest"
coopsim calibrate seeds/uz_cn_trade_history.csv --context seeds/uz_trade_context.csv
echo "== coopsim replay (projects on the record: [REPLAY-FIT], [REPLAY-FIT-2025])"
coopsim replay scenarios/uz_cn_2025.toml --paths 2000 --last 2024 --out "$out/replay" --force
coopsim replay scenarios/uz_cn_latest.toml --paths 2000 --out "$out/replay_latest" --force
coopsim backtest seeds/uz_cn_trade_history.csv --out "$out/bt"
cp "$out/bt/backtest.png" "$figures/backtest_uz.png"
coopsim backtest seeds/uz_cn_trade_history.csv --context seeds/uz_trade_context.csv --law both --out "$out/bt_both"
cp "$out/bt_both/backtest.png" "$figures/backtest_both_laws.png"
python -c "
import json; d = json.load(open('$out/bt_both/backtest.json')); print(json.dumps(d, indent=1)[:3000])"
python -c "
from sim import load_scenario
from sim.calibration import whole_trade_law
for f in ('scenarios/uz_cn_random_walk.toml', 'scenarios/uz_cn_2025.toml', 'scenarios/uz_cn_slower_growth.toml'):
    print(f, whole_trade_law(load_scenario(f), paths=4000, seed=0))"

echo "== how the headline moved from step 7"
python docs/decomposition.py

echo "outputs kept in $out"
