"""Speed benchmark: esicheck's full analysis vs a bare tokenizer and medspaCy's default pipeline.

All three are timed in one process on the same notes, so their ratios say what esicheck's
rules, facts and checks cost on top of tokenizing and on top of stock medspaCy:

(a) `spacy.blank("en")` over `nlp.pipe`,
(b) `medspacy.load(...)` (PyRuSH sentences, target matcher with esicheck's target rules,
    ConText, sectionizer) over `nlp.pipe`,
(c) `nlp.analyze(text)` per note (the product's real path: pipeline, facts, checks, billing).

Throughput is reported in notes/s and tokens/s; tokens are always counted by (a)'s tokenizer so
the three rates share one unit. Pipeline build is timed in a fresh subprocess so the cost of
importing spaCy/medspaCy is reported apart from building. Nothing here prints note text.
"""

from __future__ import annotations

import json
import multiprocessing
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

LATENCY_TARGET_WORDS = 600
_BUILD_SCRIPT = """
import json, resource, time
t0 = time.perf_counter()
from nlp.quiet import silence_library_logs
silence_library_logs()
import nlp.pipeline
t1 = time.perf_counter()
nlp.pipeline.build_pipeline()
t2 = time.perf_counter()
nlp.pipeline.build_pipeline()
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "build_s": t2 - t1, "rebuild_s": t3 - t2,
                  "import_plus_build_s": t2 - t0,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@dataclass(frozen=True)
class BenchNote:
    """A note to time; `name` is a file name or generated id (never the text)."""

    name: str
    text: str


def load_notes(notes_dir: Path | None, generate: int, seed: int = 0,
               default_corpus: Path = Path("corpus/notes")) -> list[BenchNote]:
    """Notes from `notes_dir` (all *.txt below it), else the repo corpus when run from the
    repo, plus `generate` synthetic notes; 50 synthetic notes when nothing else is found."""
    from api.generate import generate_notes

    notes: list[BenchNote] = []
    if notes_dir is not None:
        paths = sorted(notes_dir.rglob("*.txt"))
    elif default_corpus.is_dir():
        paths = sorted(default_corpus.glob("*/*.txt"))
    else:
        paths = []
    notes.extend(BenchNote(p.name, p.read_text(encoding="utf-8")) for p in paths)
    count = generate if (generate or notes) else 50
    notes.extend(BenchNote(note_id, text) for note_id, text, _ in generate_notes(count, seed))
    return notes


def _rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _best_time(run: Callable[[], None], repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times), times


def _rates(seconds: float, n_notes: int, n_tokens: int) -> dict[str, Any]:
    return {"seconds": seconds, "notes_per_s": n_notes / seconds,
            "tokens_per_s": n_tokens / seconds}


def build_medspacy_default() -> Any:
    """medspaCy's default rule pipeline with esicheck's target rules in its target matcher
    (TargetRule objects built from `nlp.resources.target_rules()` as nlp/components.py does)."""
    import medspacy
    from medspacy.target_matcher import TargetRule

    from nlp import resources

    nlp = medspacy.load(enable=["medspacy_pyrush", "medspacy_target_matcher",
                                "medspacy_context", "medspacy_sectionizer"])
    if "medspacy_sectionizer" not in nlp.pipe_names:
        # medspaCy 1.3.1's load() drops the sectionizer from an explicit enable list; the
        # baseline the issue measures has all four components, so add it as load() would.
        nlp.add_pipe("medspacy_sectionizer", config={"language_code": "en"})
    rules = [TargetRule.from_dict(rule.model_dump(exclude_none=True))
             for rule in resources.target_rules()]
    nlp.get_pipe("medspacy_target_matcher").add(rules)
    return nlp


def measure_build() -> dict[str, Any]:
    """Import and build of `nlp.pipeline.build_pipeline()` in a fresh interpreter."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _BUILD_SCRIPT], capture_output=True, text=True,
                          check=True, timeout=600)
    wall = time.perf_counter() - start
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["subprocess_wall_s"] = wall
    return result


def measure_latency(text: str, runs: int) -> dict[str, Any]:
    """Per-call latency of `nlp.analyze` on one note (pipeline already warm)."""
    from nlp import analyze

    analyze(text)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        analyze(text)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"words": len(text.split()), "runs": runs,
            "p50_ms": statistics.median(samples),
            "p99_ms": samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))],
            "mean_ms": statistics.fmean(samples)}


def _worker_init(barrier: Any) -> None:
    """Pool initializer: build the pipeline once per worker, then wait for the others."""
    from nlp.pipeline import get_pipeline
    from nlp.quiet import silence_library_logs

    silence_library_logs()
    get_pipeline()
    barrier.wait()


def _worker_analyze(text: str) -> bool:
    from nlp import analyze

    return analyze(text).complete


def measure_multiprocess(texts: Sequence[str], n_process: int, repeat: int,
                         serial_seconds: float) -> dict[str, Any]:
    """Throughput of (c) over a spawn-started Pool of `n_process` workers vs the serial run.

    `spawn` makes every worker import and build its own pipeline (fork would inherit the
    parent's, hiding that cost); worker start-up is reported apart from throughput."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(n_process + 1)
    start = time.perf_counter()
    with ctx.Pool(n_process, initializer=_worker_init, initargs=(barrier,)) as pool:
        barrier.wait()
        startup = time.perf_counter() - start
        chunk = max(1, len(texts) // (n_process * 8))
        seconds, _ = _best_time(lambda: pool.map(_worker_analyze, texts, chunksize=chunk), repeat)
        # Current RSS of the live workers: ru_maxrss of children is useless here because Linux
        # carries the parent's peak across fork+exec.
        children = psutil.Process().children()
        worker_rss = max((c.memory_info().rss for c in children), default=0) / (1024 * 1024)
    return {"n_process": n_process, "start_method": "spawn",
            "worker_startup_s": startup,
            "one_process_notes_per_s": len(texts) / serial_seconds,
            "k_process_notes_per_s": len(texts) / seconds,
            "speedup": serial_seconds / seconds,
            "worker_rss_mb": worker_rss}


def run_benchmark(notes: Sequence[BenchNote], *, n_process: int = 1, repeat: int = 3,
                  latency_runs: int = 100, latency_text: str | None = None) -> dict[str, Any]:
    """Run every measurement and return the results as a JSON-ready dict."""
    import spacy

    from nlp import analyze
    from nlp.quiet import silence_library_logs

    silence_library_logs()
    texts = [n.text for n in notes]
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpu_count": multiprocessing.cpu_count(), "spacy": spacy.__version__},
        "notes": {"count": len(texts), "words": sum(len(t.split()) for t in texts),
                  "repeat": repeat, "timing": "best of repeat runs, after one warm-up note"},
    }
    results["build"] = measure_build()
    blank = spacy.blank("en")
    n_tokens = sum(len(doc) for doc in blank.pipe(texts))
    results["notes"]["tokens"] = n_tokens
    results["notes"]["token_unit"] = "spacy.blank('en') tokenizer"
    rss_start = _rss_mb()

    def run_blank() -> None:
        for _ in blank.pipe(texts):
            pass

    seconds, _ = _best_time(run_blank, repeat)
    results["tokenizer"] = _rates(seconds, len(texts), n_tokens)

    medspacy_nlp = build_medspacy_default()
    list(medspacy_nlp.pipe(texts[:1]))

    def run_medspacy() -> None:
        for _ in medspacy_nlp.pipe(texts):
            pass

    seconds, _ = _best_time(run_medspacy, repeat)
    results["medspacy_default"] = _rates(seconds, len(texts), n_tokens)
    results["medspacy_default"]["pipes"] = list(medspacy_nlp.pipe_names)

    analyze(texts[0])

    def run_esicheck() -> None:
        for text in texts:
            analyze(text)

    seconds, _ = _best_time(run_esicheck, repeat)
    results["esicheck_analyze"] = _rates(seconds, len(texts), n_tokens)
    serial_seconds = seconds
    esi, med, tok = (results[k]["notes_per_s"] for k in ("esicheck_analyze", "medspacy_default",
                                                         "tokenizer"))
    results["ratios"] = {"esicheck_vs_medspacy_throughput": esi / med,
                         "esicheck_vs_tokenizer_throughput": esi / tok,
                         "esicheck_time_per_note_vs_medspacy": med / esi,
                         "esicheck_time_per_note_vs_tokenizer": tok / esi}
    if latency_text is None:
        latency_text = min(texts, key=lambda t: abs(len(t.split()) - LATENCY_TARGET_WORDS))
    results["latency"] = measure_latency(latency_text, latency_runs)
    results["memory"] = {"peak_rss_mb": _rss_mb(), "rss_before_medspacy_mb": rss_start}
    results["multiprocess"] = (measure_multiprocess(texts, n_process, repeat, serial_seconds)
                               if n_process > 1 else None)
    return results


def format_table(results: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows for a readable summary."""
    rows = [("notes / words / tokens", f"{results['notes']['count']} / "
             f"{results['notes']['words']} / {results['notes']['tokens']}")]
    for key, label in (("tokenizer", "(a) spacy.blank tokenizer"),
                       ("medspacy_default", "(b) medspaCy default + targets"),
                       ("esicheck_analyze", "(c) esicheck analyze")):
        r = results[key]
        rows.append((label, f"{r['notes_per_s']:,.1f} notes/s  {r['tokens_per_s']:,.0f} tokens/s"))
    ratios = results["ratios"]
    rows.append(("c/b throughput", f"{ratios['esicheck_vs_medspacy_throughput']:.3f}x "
                 f"({ratios['esicheck_time_per_note_vs_medspacy']:.2f}x the time per note)"))
    rows.append(("c/a throughput", f"{ratios['esicheck_vs_tokenizer_throughput']:.4f}x "
                 f"({ratios['esicheck_time_per_note_vs_tokenizer']:.1f}x the time per note)"))
    build = results["build"]
    rows.append(("pipeline import+build (fresh)", f"{build['import_plus_build_s']:.2f} s "
                 f"(import {build['import_s']:.2f} s, build {build['build_s']:.2f} s, "
                 f"rebuild {build['rebuild_s']:.2f} s)"))
    lat = results["latency"]
    rows.append((f"latency, {lat['words']}-word note", f"p50 {lat['p50_ms']:.1f} ms  "
                 f"p99 {lat['p99_ms']:.1f} ms  ({lat['runs']} runs)"))
    rows.append(("peak RSS", f"{results['memory']['peak_rss_mb']:.0f} MB (bench process), "
                 f"{build['peak_rss_mb']:.0f} MB (import+build only)"))
    mp = results["multiprocess"]
    if mp:
        rows.append((f"multiprocess x{mp['n_process']} ({mp['start_method']})",
                     f"{mp['one_process_notes_per_s']:.1f} -> {mp['k_process_notes_per_s']:.1f} "
                     f"notes/s, speedup {mp['speedup']:.2f}x, worker start-up "
                     f"{mp['worker_startup_s']:.1f} s, worker RSS {mp['worker_rss_mb']:.0f} MB"))
    return rows
