"""`notegen compare` and the measures behind it."""

from __future__ import annotations

from notegen.models.compare import distinct_ngrams, longest_loop


def test_loop_and_ngram_measures():
    assert (
        longest_loop("xyz and the dwarves and the dwarves and the dwarves!")
        == len(" and the dwarves" * 3)
    )
    assert longest_loop("abcdefg") == 0
    assert distinct_ngrams("abababab") < distinct_ngrams("abcdefgh") == 1.0


def test_compare_sweeps_both_models(tiny_text_model, tiny_notes_model, tmp_path, notegen_here):
    png = tmp_path / "c.png"
    r = notegen_here(
        "compare",
        "--text-model",
        str(tiny_text_model),
        "--music-model",
        str(tiny_notes_model),
        "--temperatures",
        "0.1,2",
        "--length",
        "120",
        "--samples",
        "2",
        "--plot",
        str(png),
    )
    assert r.returncode == 0, r.stderr
    rows = [line.split("|")[1:-1] for line in r.stdout.splitlines()[2:]]
    assert len(rows) == 4
    by = {(c[0].strip(), float(c[1])): c for c in rows}
    text_cold, text_hot = by[(str(tiny_text_model), 0.1)], by[(str(tiny_text_model), 2.0)]
    # cold samples are more predictable and loop longer than hot ones
    assert float(text_cold[2]) < float(text_hot[2])
    assert int(text_cold[4]) > int(text_hot[4])
    assert by[(str(tiny_notes_model), 0.1)][5].strip().endswith("%")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_compare_rejects_bad_temperatures(notegen):
    r = notegen("compare", "--temperatures", "0,1")
    assert r.returncode == 2 and "> 0" in r.stderr
