"""Judging the probe records of every node, one check at a time. Each check names the node, the GPU (index
and bus id), what it saw and the rule it missed. Where a GPU cannot answer a query ("not supported" on
its generation) the check says so; a check nothing applies to on any node is skipped with the reason.

Defaults come from the public tools (../shared/notes/gpu-node-anchors.md): DCGM fails any volatile
uncorrectable ECC error and a pending page retirement; Azure's aznhc fails a pending or failed row remap
and more than 512 uncorrectable remapped rows; IBM Autopilot expects 80 % of the link's bandwidth from a
host-device copy; the critical XIDs are those NVIDIA's XID catalogue says need a reset or a node drain
(48 double-bit ECC, 61/62 internal micro-controller, 63/64 row remapping, 68/69 video/graphics engine,
73/74 NVLink, 79 fallen off the bus, 92 high single-bit ECC rate, 94/95 contained/uncontained ECC,
119/120 GSP)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Callable

from clustercheck.config import defaults
from clustercheck.gpunode import reference
from clustercheck.gpunode.nvml_probe import NA, reason_names


def settings(section: dict[str, Any] | None) -> dict[str, Any]:
    """The gpu_node config section with the schema's defaults where it says nothing (a probe run by hand)."""
    return defaults.of("gpu_node", section)


@dataclass
class Verdict:
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metrics: list[tuple[str, float, str]] = field(default_factory=list)
    nodes: dict[str, list[str]] = field(default_factory=dict)  # node -> its failures ([] passed)
    not_applicable: dict[str, str] = field(default_factory=dict)  # node -> why the check does not apply
    summary: str = ""
    skip: str = ""
    judged: set[tuple[str, int]] = field(default_factory=set)  # (node, GPU index) this check judged
    unjudged: dict[tuple[str, int], str] = field(default_factory=dict)  # (node, GPU index) -> why not

    def fail(self, node: str, message: str) -> None:
        self.failures.append(f"{node}: {message}")
        self.nodes.setdefault(node, []).append(message)

    def ok(self, node: str) -> None:
        self.nodes.setdefault(node, [])

    def judge(self, node: str, g: dict[str, Any]) -> None:
        self.judged.add((node, g["index"]))

    def cannot_judge(self, node: str, g: dict[str, Any], why: str) -> None:
        self.unjudged.setdefault((node, g["index"]), f"{gpu_name(g)}: {why}")


def gpu_name(g: dict[str, Any]) -> str:
    return f"GPU {g['index']} ({g['pci_bus_id']})"


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _simulated(records: list[dict[str, Any]]) -> str:
    return " (simulated GPUs)" if any(r.get("simulated") for r in records) else ""


def check_inventory(records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    v, exp = Verdict(), cfg["expected"]
    for r in records:
        node, gpus = r["node"], r["gpus"]
        v.ok(node)
        if exp.get("count") is not None and len(gpus) != exp["count"]:
            v.fail(node, f"NVML sees {len(gpus)} GPU(s), expected {exp['count']}")
        if not gpus:
            v.fail(node, "NVML sees no GPU")
        if exp.get("driver") and r.get("driver") != exp["driver"]:
            v.fail(node, f"driver {r.get('driver')}, expected {exp['driver']}")
        for g in gpus:
            v.judge(node, g)
            if exp.get("model") and exp["model"].lower() not in g["name"].lower():
                v.fail(node, f"{gpu_name(g)} is '{g['name']}', expected a '{exp['model']}'")
            want = exp.get("memory_mib")
            if want and abs(g["memory_mib"] - want) > want * exp["memory_tolerance_pct"] / 100:
                v.fail(node, f"{gpu_name(g)} has {g['memory_mib']} MiB, expected {want} MiB (within {exp['memory_tolerance_pct']} %)")
            if exp.get("vbios") and g.get("vbios") != exp["vbios"]:
                v.fail(node, f"{gpu_name(g)} VBIOS {g.get('vbios')}, expected {exp['vbios']}")
    # the same on every node: the odd one out is named against what the others have
    for what, of in (("GPU count", lambda r: str(len(r["gpus"]))), ("driver", lambda r: str(r.get("driver"))),
                     ("GPU models", lambda r: ",".join(sorted({g["name"] for g in r["gpus"]}))),
                     ("VBIOS", lambda r: ",".join(sorted({str(g.get("vbios")) for g in r["gpus"]})))):
        _odd_one(v, records, what, of)
    models = sorted({f"{len(r['gpus'])}x {g['name']}" for r in records for g in r["gpus"][:1]})
    v.summary = f"{sum(len(r['gpus']) for r in records)} GPU(s) on {len(records)} node(s): {', '.join(models)}; driver {', '.join(sorted({str(r.get('driver')) for r in records}))}"
    return v


def _odd_one(v: Verdict, records: list[dict[str, Any]], what: str, of: Callable[[dict[str, Any]], str]) -> None:
    if len(records) < 2:
        return
    values = [of(r) for r in records]
    common = max(set(values), key=values.count)
    if values.count(common) * 2 <= len(values):
        listing = ", ".join(f"{r['node']} {x}" for r, x in zip(records, values))
        v.notes.append(f"{what} differs between nodes with no majority: {listing}")
        return
    for r, x in zip(records, values):
        if x != common:
            v.fail(r["node"], f"{what} {x}, while {values.count(common)} of {len(values)} nodes have {common}")


def check_memory(records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    v, m = Verdict(), cfg["memory"]
    unsupported: set[str] = set()
    for r in records:
        v.ok(r["node"])
        for g in r["gpus"]:
            a, who = g["after"], gpu_name(g)
            vol, agg = a["ecc_volatile_uncorrected"], a["ecc_aggregate_uncorrected"]
            _readable(v, r["node"], g, {"volatile ECC count": vol, "retired pages": a["retired_pages_pending"],
                                        "row remapping": a["remapped_rows"]}, lambda x: _num(x) or isinstance(x, (bool, dict)))
            if _num(vol) and vol > m["volatile_uncorrected_max"]:
                v.fail(r["node"], f"{who}: {vol} volatile uncorrectable ECC error(s), limit {m['volatile_uncorrected_max']} (DCGM)")
            if _num(agg) and m.get("aggregate_uncorrected_max") is not None and agg > m["aggregate_uncorrected_max"]:
                v.fail(r["node"], f"{who}: {agg} aggregate uncorrectable ECC error(s), limit {m['aggregate_uncorrected_max']}")
            if vol == NA:
                unsupported.add("ECC counts")
            if a["retired_pages_pending"] is True:
                v.fail(r["node"], f"{who}: retired pages pending (a reset is needed to retire them)")
            elif a["retired_pages_pending"] == NA:
                unsupported.add("page retirement (this generation remaps rows instead)")
            rows = a["remapped_rows"]
            if isinstance(rows, dict):
                if rows["pending"]:
                    v.fail(r["node"], f"{who}: a row remap is pending (a reset is needed to apply it)")
                if rows["failure"]:
                    v.fail(r["node"], f"{who}: a row remap failed (no spare rows left: the GPU needs replacing)")
                if rows["uncorrectable"] > m["remapped_uncorrectable_max"]:
                    v.fail(r["node"], f"{who}: {rows['uncorrectable']} rows remapped for uncorrectable errors, limit {m['remapped_uncorrectable_max']} (aznhc)")
                v.metrics.append((f"{r['node']}.gpu{g['index']}.remapped_rows", rows["correctable"] + rows["uncorrectable"], "rows"))
            elif rows == NA:
                unsupported.add("row remapping")
    if unsupported:
        v.notes.append(f"not supported on these GPUs, not judged: {', '.join(sorted(unsupported))}")
    v.summary = f"no uncorrectable ECC error, pending retirement or row remap on {_gpus(records)}{_simulated(records)}"
    return v


def _unread(value: Any) -> bool:
    """An NVML query that failed (the probe records "error: ..."), as opposed to "not supported"."""
    return isinstance(value, str) and value != NA


def _readable(v: Verdict, node: str, g: dict[str, Any], fields: dict[str, Any], ok: Callable[[Any], bool]) -> None:
    """The GPU judged when one of FIELDS reads as OK says; each field NVML failed to read named in a note;
    a GPU with none readable is not judged, with what each field said."""
    for what, value in fields.items():
        if _unread(value):
            v.notes.append(f"{node} {gpu_name(g)}: {what} not read ({value})")
    if any(ok(x) for x in fields.values()):
        v.judge(node, g)
    else:
        v.cannot_judge(node, g, "nothing readable: " + ", ".join(f"{w} {x}" for w, x in fields.items()))


def _gpus(records: list[dict[str, Any]]) -> str:
    return f"{sum(len(r['gpus']) for r in records)} GPU(s) of {len(records)} node(s)"


def check_xid(records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    v, critical = Verdict(), set(cfg["xid"]["critical"])
    unread, seen = [], []
    for r in records:
        v.ok(r["node"])
        x = r["xid"]
        by_bus = {_bus_key(g["pci_bus_id"]): g for g in r["gpus"]}
        if x["nvml"] != "watched":
            unread.append(f"{r['node']}: {x['nvml']}")
        log_ok = x["kernel_log"]["readable"]
        for g in r["gpus"]:
            if x["nvml"] == "watched" or log_ok:
                v.judge(r["node"], g)
            else:
                v.cannot_judge(r["node"], g, f"XIDs not watched (NVML events: {x['nvml']}; kernel log not readable: {x['kernel_log']['why']})")
        for ev in x["events"]:
            g = next((g for g in r["gpus"] if g["index"] == ev["gpu"]), None)
            who = gpu_name(g) if g else f"GPU {ev['gpu']}"
            line = f"{who}: XID {ev['xid']} at {ev['time']} (NVML event, during {ev['phase']})"
            (v.fail(r["node"], line) if ev["xid"] in critical else seen.append(f"{r['node']} {line}"))
        log = x["kernel_log"]
        if not log["readable"]:
            unread.append(f"{r['node']}: kernel log not readable ({log['why']})")
        for ev in log["xids"]:
            g = by_bus.get(_bus_key(ev["pci"]))
            who = gpu_name(g) if g else f"PCI {ev['pci']}"
            line = f"{who}: XID {ev['xid']} {ev['age_s']:.0f} s ago in the kernel log ({ev['text']})"
            (v.fail(r["node"], line) if ev["xid"] in critical else seen.append(f"{r['node']} {line}"))
    if seen:
        v.notes.append("non-critical XIDs: " + "; ".join(seen))
    if unread:
        v.notes.append("; ".join(unread))
    v.summary = (f"no critical XID on {_gpus(records)} (NVML events over the run; kernel log over the last "
                 f"{cfg['xid']['kernel_log_lookback_s']} s){_simulated(records)}")
    return v


def _bus_key(address: str) -> str:
    """bus:device of a PCI address, as NVML ("00000000:43:00.0") and the kernel log ("0000:43:00") write it."""
    parts = address.lower().split(":")
    return ":".join(parts[-2:]).split(".")[0] if len(parts) >= 2 else address.lower()


def _loaded(g: dict[str, Any]) -> list[dict[str, Any]]:
    """The samples taken while an active measurement ran on this GPU (all samples when none did)."""
    mine = [s for s in g["samples"] if s["phase"].endswith(f":{g['index']}")]
    return mine or g["samples"] or [g["idle"]]


def check_pcie(records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    v, growth_max = Verdict(), cfg["pcie"]["replay_growth_max"]
    for r in records:
        v.ok(r["node"])
        for g in r["gpus"]:
            b, a, who = g["before"], g["after"], gpu_name(g)
            mg, mw = b["pcie_max_gen"], b["pcie_max_width"]
            samples = _loaded(g)
            loaded = any(s["phase"] != "passive" for s in samples)
            gens = [s["gen"] for s in samples if _num(s["gen"])]
            widths = [s["width"] for s in samples if _num(s["width"])]
            if not (_num(mg) and _num(mw) and gens and widths):
                seen = {"maximum": f"gen {mg} x{mw}", "current": f"gen {samples[0]['gen']} x{samples[0]['width']}"}
                v.cannot_judge(r["node"], g, f"link generation/width not readable ({', '.join(f'{k} {x}' for k, x in seen.items())})")
                continue
            v.judge(r["node"], g)
            gen, width = max(gens), max(widths)
            idle = all(s["reasons"] & 1 for s in samples if _num(s["reasons"]))
            if width < mw:
                v.fail(r["node"], f"{who}: link trained at gen {gen} x{width} of gen {mg} x{mw}")
            elif gen < mg and (loaded or not idle):
                v.fail(r["node"], f"{who}: link at gen {gen} x{width} of gen {mg} x{mw}{' under load' if loaded else ''}")
            elif gen < mg:
                v.notes.append(f"{r['node']} {who}: idle at gen {gen} of {mg} (links train down when idle; no active run to load it)")
            v.metrics.append((f"{r['node']}.gpu{g['index']}.pcie_gen", gen, "gen"))
            v.metrics.append((f"{r['node']}.gpu{g['index']}.pcie_width", width, "lanes"))
            if not (_num(b["pcie_replay"]) and _num(a["pcie_replay"])):
                v.notes.append(f"{r['node']} {who}: replay counter not read ({a['pcie_replay']})")
            elif a["pcie_replay"] - b["pcie_replay"] > growth_max:
                v.fail(r["node"], f"{who}: PCIe replay counter grew by {a['pcie_replay'] - b['pcie_replay']} during the run (to {a['pcie_replay']}), limit {growth_max}")
    v.summary = f"every link at its maximum generation and width, no replays, on {_gpus(records)}{_simulated(records)}"
    return v


def check_throttle(records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    v, fail_on = Verdict(), set(cfg["throttle"]["fail_reasons"])
    max_temp = cfg["throttle"].get("max_temperature_c")
    reported = []
    for r in records:
        v.ok(r["node"])
        for g in r["gpus"]:
            who, samples = gpu_name(g), _loaded(g)
            mask = 0
            for s in samples:
                mask |= s["reasons"] if _num(s["reasons"]) else 0
            if any(_num(s["reasons"]) for s in samples):
                v.judge(r["node"], g)
            else:
                v.cannot_judge(r["node"], g, f"clock event reasons not read ({samples[0]['reasons']})")
            names = reason_names(mask)
            bad = [n for n in names if n in fail_on]
            if bad:
                v.fail(r["node"], f"{who}: clocks held down by {', '.join(bad)}")
            if "sw_power_cap" in names:
                reported.append(f"{r['node']} {who}: software power cap")
            temps = [s["temperature_c"] for s in samples if _num(s["temperature_c"])]
            clocks = [s["sm_clock_mhz"] for s in samples if _num(s["sm_clock_mhz"])]
            if not temps and max_temp is not None:
                v.notes.append(f"{r['node']} {who}: temperature not read ({samples[0]['temperature_c']}): limit {max_temp} C not judged")
            if temps:
                v.metrics.append((f"{r['node']}.gpu{g['index']}.temperature_max", max(temps), "C"))
                if max_temp is not None and max(temps) > max_temp:
                    v.fail(r["node"], f"{who}: {max(temps)} C, limit {max_temp} C")
            if clocks:
                v.metrics.append((f"{r['node']}.gpu{g['index']}.sm_clock_max", max(clocks), "MHz"))
    if reported:
        v.notes.append("reported, not failed: " + "; ".join(reported))
    v.summary = f"no {'/'.join(sorted(fail_on))} on {_gpus(records)}{_simulated(records)}"
    return v


def check_nvlink(records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    v = Verdict()
    links = 0
    for r in records:
        for g in r["gpus"]:
            b, a, who = g["before"]["nvlink"], g["after"]["nvlink"], gpu_name(g)
            if not isinstance(a, list):
                v.not_applicable.setdefault(r["node"], f"no NVLink on {g['name']} (NVML: {a})")
                v.cannot_judge(r["node"], g, f"no NVLink (NVML: {a})")
                continue
            v.ok(r["node"])
            v.judge(r["node"], g)
            start = {lk["link"]: lk for lk in b} if isinstance(b, list) else {}
            for lk in a:
                links += 1
                if not lk["up"]:
                    v.fail(r["node"], f"{who}: NVLink {lk['link']} is down")
                e0 = start.get(lk["link"], {}).get("errors")
                if _num(e0) and _num(lk["errors"]) and lk["errors"] > e0:
                    v.fail(r["node"], f"{who}: NVLink {lk['link']} replay errors grew by {lk['errors'] - e0} during the run")
    if not v.nodes:
        v.skip = "; ".join(sorted({f"{n}: {w}" for n, w in v.not_applicable.items()}))
    v.summary = f"all {links} NVLink link(s) up, no error counter growing{_simulated(records)}"
    return v


# The active checks: figure name in the probe, the reference key, the unit, what share of it is required
ACTIVE = {
    "matmul": [("gemm_bf16_tflops", "bf16_tflops", "TFLOP/s", "gemm_min_share_pct"),
               ("gemm_tf32_tflops", "tf32_tflops", "TFLOP/s", "gemm_min_share_pct")],
    "membw": [("copy_tbps", "memory_tbps", "TB/s", "copy_min_share_pct")],
    "hostbw": [("h2d_gbps", "link", "GB/s", "host_min_share_pct"), ("d2h_gbps", "link", "GB/s", "host_min_share_pct")],
}


def _active_nodes(v: Verdict, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records whose active measurements ran; the others are marked not applicable with the reason."""
    ran = []
    for r in records:
        why = r.get("active", {}).get("skipped")
        if why:
            v.not_applicable[r["node"]] = why
            for g in r["gpus"]:
                v.cannot_judge(r["node"], g, f"no active measurement ({why})")
        else:
            ran.append(r)
    if not ran:
        v.skip = "no active measurements: " + "; ".join(sorted({f"{w}" for w in v.not_applicable.values()})) + \
            f" (nodes {', '.join(sorted(v.not_applicable))})"
    return ran


def check_active(name: str, records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    v = Verdict()
    ran = _active_nodes(v, records)
    shares = {**cfg["active"], **cfg["pcie"]}
    pct = float(cfg["straggler_pct"])
    for figure, ref_key, unit, share_key in ACTIVE[name]:
        peers: dict[str, list[tuple[str, dict[str, Any], float]]] = {}
        for r in ran:
            v.ok(r["node"])
            for g in r["gpus"]:
                value = g.get("active", {}).get(figure)
                if not _num(value):
                    why = g.get("active", {}).get("error")
                    v.fail(r["node"], f"{gpu_name(g)}: no {figure} measured{f' ({why})' if why else ''}")
                    continue
                peers.setdefault(g["name"], []).append((r["node"], g, value))
                v.metrics.append((f"{r['node']}.gpu{g['index']}.{figure}", value, unit))
                if ref_key == "link":
                    mg, mw = g["before"]["pcie_max_gen"], g["before"]["pcie_max_width"]
                    ref, source = reference.link_gbps(mg, mw), f"gen {mg} x{mw}"
                else:
                    key, figures = reference.for_model(g["name"], cfg.get("reference"))
                    ref, source = figures.get(ref_key, 0.0), f"{key} datasheet"
                if not ref:
                    why = (f"PCIe link maximum gen {mg} x{mw} unknown" if ref_key == "link"
                           else f"no {ref_key} reference for '{g['name']}' (name it under gpu_node.reference)")
                    v.cannot_judge(r["node"], g, f"{figure} {value} {unit} not judged: {why}")
                    continue
                v.judge(r["node"], g)
                need = shares[share_key]
                share = 100 * value / ref
                if share < need:
                    v.fail(r["node"], f"{gpu_name(g)}: {figure} {value} {unit} is {share:.0f} % of {ref} {unit} ({source}), under {need} %")
        # a GPU far below its peers is named even when it meets the objective
        for model, group in peers.items():
            if len(group) < 2:
                continue
            median = statistics.median(x for _, _, x in group)
            for node, g, value in group:
                if value < median * (1 - pct / 100):
                    v.fail(node, f"{gpu_name(g)}: {figure} {value} {unit} is {100 * (1 - value / median):.0f} % below the median {median:g} of its {len(group)} {model} peers (straggler limit {pct:g} %)")
    v.summary = f"{name} within the reference and no straggler over {pct:g} % on {_gpus(ran)}"
    return v


def check_memtest(records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    v = Verdict()
    ran = _active_nodes(v, records)
    limit = cfg["active"]["sdc_max_rel_error"]
    tested = 0
    for r in ran:
        v.ok(r["node"])
        for g in r["gpus"]:
            act, who = g.get("active", {}), gpu_name(g)
            mt, sdc = act.get("memtest"), act.get("sdc")
            if not mt or not sdc:
                why = f" ({act['error']})" if act.get("error") else ""
                v.fail(r["node"], f"{who}: no memory test or SDC result{why}")
                continue
            v.judge(r["node"], g)
            tested += mt["bytes"]
            if mt["mismatches"]:
                v.fail(r["node"], f"{who}: {mt['mismatches']} word(s) read back wrong of {mt['bytes'] >> 30} GiB written")
            if mt["bytes"] == 0:
                v.fail(r["node"], f"{who}: no memory tested ({mt['free_bytes'] >> 20} MiB free)")
            if not sdc["repeat_equal"]:
                v.fail(r["node"], f"{who}: the same bf16 product computed twice differs (silent data corruption)")
            if sdc["max_rel_error"] > limit:
                v.fail(r["node"], f"{who}: product off from float64 by {sdc['max_rel_error']:.4f} of its magnitude, limit {limit}")
            v.metrics.append((f"{r['node']}.gpu{g['index']}.memtest_gib", round(mt["bytes"] / 2**30, 1), "GiB"))
    v.summary = f"{tested / 2**30:.0f} GiB written and read back clean, products repeatable and within {limit} of float64 on {_gpus(ran)}"
    return v


def check_nccl(records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    v = Verdict()
    ran = _active_nodes(v, records)
    judged = []
    for r in ran:
        n = r["active"].get("nccl", {})
        if n.get("skipped"):
            v.not_applicable[r["node"]] = n["skipped"]
            continue
        v.ok(r["node"])
        if n.get("error"):
            v.fail(r["node"], f"all-reduce over its {len(r['gpus'])} GPUs failed: {n['error']}")
            continue
        if not n.get("correct", False):
            v.fail(r["node"], "all-reduce gave wrong sums")
        v.metrics.append((f"{r['node']}.nccl_busbw", n["busbw_gbps"], "GB/s"))
        judged.append(n["busbw_gbps"])
        key, figures = reference.for_model(r["gpus"][0]["name"], cfg.get("reference")) if r["gpus"] else ("", {})
        want = (cfg.get("nccl") or {}).get("min_busbw_gbps")
        if want is None and figures.get("nccl_ranks") == n["ranks"]:
            want = figures.get("nccl_busbw_gbps")
        if not want:
            # a floor holds for one GPU count of one part: 8 NVLink-4 GPUs' 460 GB/s says nothing of 4
            known = f" (its reference is for {figures['nccl_ranks']:g} GPUs)" if figures.get("nccl_ranks") else ""
            for g in r["gpus"]:
                v.cannot_judge(r["node"], g, f"busbw {n['busbw_gbps']} GB/s not judged: no floor for {n['ranks']} "
                                             f"'{r['gpus'][0]['name']}' GPUs{known}; set gpu_node.nccl.min_busbw_gbps")
            continue
        for g in r["gpus"]:
            v.judge(r["node"], g)
        if n["busbw_gbps"] < want:
            v.fail(r["node"], f"all-reduce busbw {n['busbw_gbps']} GB/s over {n['ranks']} GPUs, under {want} GB/s")
    if ran and not v.nodes:
        v.skip = "; ".join(sorted({f"{n}: {w}" for n, w in v.not_applicable.items()}))
    v.summary = f"intra-node all-reduce correct on {len(judged)} node(s), busbw {', '.join(f'{x:g}' for x in judged)} GB/s"
    return v


CHECKS: dict[str, Callable[[list[dict[str, Any]], dict[str, Any]], Verdict]] = {
    "inventory": check_inventory,
    "memory": check_memory,
    "xid": check_xid,
    "pcie": check_pcie,
    "throttle": check_throttle,
    "nvlink": check_nvlink,
    "matmul": lambda recs, cfg: check_active("matmul", recs, cfg),
    "membw": lambda recs, cfg: check_active("membw", recs, cfg),
    "hostbw": lambda recs, cfg: check_active("hostbw", recs, cfg),
    "memtest": check_memtest,
    "nccl": check_nccl,
}
PASSIVE = ("inventory", "memory", "xid", "pcie", "throttle", "nvlink")


def run(check: str, records: list[dict[str, Any]], cfg: dict[str, Any]) -> Verdict:
    """CHECK over RECORDS, with what it could not judge named: each GPU not judged in a note with the
    reason, a node none of whose GPUs was judged not passed but skipped with them, and a check that judged
    no GPU at all skipped (a failure still fails). The summary says how many GPUs were judged."""
    v = CHECKS[check](records, cfg)
    missing = {k: why for k, why in v.unjudged.items() if k not in v.judged}
    total = sum(len(r["gpus"]) for r in records)
    reasons = "; ".join(f"{node} {why}" for (node, _), why in sorted(missing.items()))
    if missing and v.judged:
        v.notes.append(f"not judged: {reasons}")
    for node in [n for n, failed in v.nodes.items() if not failed and not any(k[0] == n for k in v.judged)]:
        del v.nodes[node]
        v.not_applicable.setdefault(node, "; ".join(why for (n, _), why in sorted(missing.items()) if n == node) or "no GPU judged")
    if total and not v.judged and not v.failures and not v.skip:
        v.skip = f"no GPU judged: {reasons or 'nothing to judge'}"
    v.summary = f"{v.summary}; {len(v.judged)} of {total} GPU(s) judged"
    return v
