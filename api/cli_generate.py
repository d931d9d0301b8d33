"""`esicheck corpus generate`: write seeded synthetic notes + gold (benchmarks/scale tests only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli import corpus_app, err, out


@corpus_app.command("generate")
def generate(
    n: Annotated[int, typer.Option("--n", min=1, help="How many notes to write.")] = 100,
    seed: Annotated[int, typer.Option(
        "--seed", help="Seed for random.Random; same seed, same notes.")] = 0,
    out_dir: Annotated[Path, typer.Option(
        "--out", help="Folder to write notes/gen/ and gold/ into.")] = Path("generated"),
) -> None:
    """Write N synthetic procedure notes and gold JSON; for benchmarks and scale tests only,
    never for evaluating or tuning the analyzer."""
    from api.generate import write_corpus

    try:
        paths = write_corpus(n, seed, out_dir)
    except OSError as exc:
        err.print(f"--out: cannot write to {out_dir} ({exc.strerror})",
                  highlight=False, markup=False)
        raise typer.Exit(2) from exc
    out.print(f"wrote {len(paths)} synthetic notes to {out_dir / 'notes' / 'gen'} "
              f"and gold to {out_dir / 'gold'} (seed {seed})", highlight=False)
