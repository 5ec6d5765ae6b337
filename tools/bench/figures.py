#!/usr/bin/env python3
"""The figures of the benchmarks: each printed as one line and kept as one JSON record.

    figures.py ratio BENCH FIGURE UNIT OURS FLOOR [--goal G] [--versus NAME] [--scale K]
        OURS and FLOOR are the values of the same rounds (space-separated, in round order;
        the rounds alternate which side runs first). Prints the ratio ours / floor as its
        median and min-max over the rounds, then the absolute figures of both sides
        (median and min-max), and the goal when there is one. --scale multiplies the
        absolute figures for printing (e.g. 1000 for seconds shown as ms).
    figures.py value BENCH FIGURE UNIT VALUES [--goal G]
        a figure with no floor (memory, a count): median and min-max.
    figures.py machine BENCH LINE
        the speed of the machine (tools/bench/machine_speed's line).
    figures.py summary RESULTS.jsonl TXT JSON [--command CMD]
        the summary of a whole run (tools/bench/all): every record, machine speed first.

Records are appended to $BENCH_RESULTS (one JSON object a line) when it is set.
A goal is written "<= 1.25" or ">= 0.95"; a figure meets it when its median does.
"""
import json
import os
import statistics
import sys


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def numbers(text):
    return [float(x) for x in text.split()]


def num(x):
    """A figure for reading: 3 significant digits, thousands separated."""
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def span(s, scale=1.0):
    return f"{num(s['median'] * scale)} ({num(s['min'] * scale)}-{num(s['max'] * scale)})"


def meets(goal, median):
    if not goal:
        return None
    op, limit = goal.split()
    return median <= float(limit) if op == "<=" else median >= float(limit)


def options(args):
    opts, rest = {}, []
    it = iter(args)
    for a in it:
        if a in ("--goal", "--versus", "--scale", "--command"):
            opts[a[2:]] = next(it)
        else:
            rest.append(a)
    return opts, rest


def record(rec):
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(rec) + "\n")


def line_of(rec):
    """The one-line text of a record, as printed and as in the summary."""
    if rec["kind"] == "machine":
        m = rec["machine"]
        return (f"machine: one ed25519 verification {m['verify_us']} us, one signature {m['sign_us']} us, "
                f"/bin/true {m['true_ms']} ms, {m['cpus']} CPUs, load {m['load']}")
    goal = rec.get("goal")
    verdict = {None: "", True: "  (goal " + str(goal) + ": met)", False: "  (goal " + str(goal) + ": not met)"}
    scale = rec.get("scale", 1.0)
    if rec["kind"] == "value":
        return f"{rec['figure']:<44} {span(rec['values'], scale)} {rec['unit']}{verdict[meets(goal, rec['values']['median'])]}"
    r = rec["ratio"]
    return (f"{rec['figure']:<44} {r['median']:.2f}x ({r['min']:.2f}-{r['max']:.2f})  "
            f"ours {span(rec['ours'], scale)} {rec['unit']}, {rec['versus']} {span(rec['floor'], scale)} {rec['unit']}"
            f"{verdict[meets(goal, r['median'])]}")


def main(argv):
    cmd, args = argv[0], argv[1:]
    opts, rest = options(args)
    if cmd == "ratio":
        bench, figure, unit, ours, floor = rest
        ours, floor = numbers(ours), numbers(floor)
        if len(ours) != len(floor) or not ours:
            sys.exit(f"figures.py: {figure}: {len(ours)} rounds of ours, {len(floor)} of the floor")
        ratios = [o / f for o, f in zip(ours, floor)]
        rec = {"kind": "ratio", "bench": bench, "figure": figure, "unit": unit, "versus": opts.get("versus", "floor"),
               "ratio": stats(ratios), "rounds": ratios, "ours": stats(ours), "floor": stats(floor),
               "goal": opts.get("goal"), "scale": float(opts.get("scale", 1))}
    elif cmd == "value":
        bench, figure, unit, values = rest
        rec = {"kind": "value", "bench": bench, "figure": figure, "unit": unit, "values": stats(numbers(values)),
               "goal": opts.get("goal"), "scale": float(opts.get("scale", 1))}
    elif cmd == "machine":
        bench, text = rest
        fields = dict(w.split("=", 1) for w in text.split()[1:])
        rec = {"kind": "machine", "bench": bench, "machine": fields}
    elif cmd == "summary":
        return summary(rest, opts)
    else:
        sys.exit(__doc__)
    print(line_of(rec), flush=True)
    record(rec)


def summary(rest, opts):
    results, txt, out = rest
    recs = [json.loads(line) for line in open(results) if line.strip()]
    machines = [r for r in recs if r["kind"] == "machine"]
    figures = [r for r in recs if r["kind"] != "machine"]
    verify = [float(m["machine"]["verify_us"]) for m in machines]
    true_ms = [float(m["machine"]["true_ms"]) for m in machines]
    lines = [f"remaphore benchmarks: {opts.get('command', '')}".rstrip()]
    if machines:
        lines.append(f"machine: {machines[0]['machine']['cpus']} CPUs; one ed25519 verification "
                     f"{statistics.median(verify):.1f} us ({min(verify):.1f}-{max(verify):.1f}), /bin/true "
                     f"{statistics.median(true_ms):.3f} ms ({min(true_ms):.3f}-{max(true_ms):.3f}), "
                     f"over the {len(machines)} measurements of the run")
    lines.append("ratio: median (min-max) over rounds alternating ours and the floor; then both sides on this machine")
    bench = None
    for r in figures:
        if r["bench"] != bench:
            bench = r["bench"]
            lines.append(f"== {bench}")
        lines.append(line_of(r))
    text = "\n".join(lines) + "\n"
    open(txt, "w").write(text)
    json.dump({"command": opts.get("command", ""), "machine": [m["machine"] | {"bench": m["bench"]} for m in machines],
               "figures": figures}, open(out, "w"), indent=1)
    sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
