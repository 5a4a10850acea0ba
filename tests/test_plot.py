"""``tabc plot`` (tableau_compiler/plotting.py): the pictures read back, and the mathematics
behind them -- stability intervals against the literature, the region test of multistep
schemes against their roots, the boundary locus on the unit circle's image."""

from __future__ import annotations

import math
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from matplotlib import image

from tableau_compiler.cli import main
from tableau_compiler.parsing import load_scheme
from tableau_compiler.plotting import (
    boundary_locus,
    curve_for,
    default_extent,
    multistep_region,
    multistep_root_modulus,
    runge_kutta_modulus,
)

ROOT = Path(__file__).resolve().parents[1]
TABLEAUS = ROOT / "tableaus"
MULTISTEP = sorted(p for p in TABLEAUS.glob("*.toml") if load_scheme(p).kind == "linear-multistep")


def tabc(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def curve(name: str):
    return curve_for(load_scheme(TABLEAUS / f"{name}.toml"))


def read_png(path: Path) -> np.ndarray:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return image.imread(path)


def distinct_colours(pixels: np.ndarray) -> int:
    return len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0))


# --------------------------------------------------------------------------- pictures


def test_a_png_is_written_and_reads_back_as_a_picture(tmp_path, capsys):
    target = tmp_path / "rk4.png"
    code, out, _ = tabc(capsys, "plot", TABLEAUS / "rk4.toml", "-o", target)
    assert code == 0 and out.startswith(f"wrote {target} (1 scheme, [")
    pixels = read_png(target)
    height, width = pixels.shape[:2]
    assert height >= 400 and width >= 400
    assert distinct_colours(pixels) > 20  # not one colour: fill, boundary, axes, text
    assert not list(tmp_path.glob(".*"))  # no temporary left beside it


def test_overlays_draw_every_file_with_a_legend_and_an_svg_parses(tmp_path, capsys):
    target = tmp_path / "regions.svg"
    files = [TABLEAUS / f"{n}.toml" for n in ("rk4", "dopri5", "ssprk33")]
    code, out, _ = tabc(capsys, "plot", *files, "-o", target)
    assert code == 0 and "(3 schemes," in out
    root = ElementTree.parse(target).getroot()
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    for name in ("rk4", "dopri5", "ssprk33", "β_R ≈ 2.78529", "β_I = 2*sqrt(2) ≈ 2.82843"):
        assert name in text
    single, overlay = tmp_path / "one.png", tmp_path / "three.png"
    assert tabc(capsys, "plot", files[0], "-o", single)[0] == 0
    assert tabc(capsys, "plot", *files, "-o", overlay)[0] == 0
    assert distinct_colours(read_png(overlay)) > distinct_colours(read_png(single))


def test_multistep_schemes_and_order_stars_draw(tmp_path, capsys):
    bdf = [TABLEAUS / f"bdf{k}.toml" for k in range(1, 7)]
    assert tabc(capsys, "plot", *bdf, "-o", tmp_path / "bdf.png")[0] == 0
    assert distinct_colours(read_png(tmp_path / "bdf.png")) > 20
    code, _, err = tabc(capsys, "plot", TABLEAUS / "lm_resnet.toml", "-o", tmp_path / "lm.png")
    assert code == 0 and "note: lm_resnet: drawn at k = 0" in err
    star = tmp_path / "star.png"
    assert tabc(capsys, "plot", "--order-star", TABLEAUS / "rk4.toml", "-o", star)[0] == 0
    assert distinct_colours(read_png(star)) > 20


@pytest.mark.parametrize(
    "argv, message",
    [
        (["stormer_verlet.toml"], "a partitioned pair has no single stability function"),
        (["--order-star", "bdf3.toml"], "--order-star draws |R(z) e^(-z)| <= 1 of Runge"),
        (
            ["rk4.toml", "-o", "out.pdf"],
            "out.pdf: the picture's format is chosen by its extension: .png or .svg",
        ),
        (["rk4.toml", "-o", "sub/"], "sub/: names a directory; -o names the picture"),
        (["rk4.toml", "-o", "."], ".: names a directory"),
        (["missing.toml"], "missing.toml: no such file or directory"),
    ],
)
def test_what_cannot_be_drawn_is_one_line_exit_2_and_writes_nothing(
    tmp_path, capsys, monkeypatch, argv, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    argv = [str(TABLEAUS / a) if a.endswith(".toml") and a != "missing.toml" else a for a in argv]
    code, out, err = tabc(capsys, "plot", *argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]
    assert list((tmp_path / "sub").iterdir()) == []


def test_a_bad_extent_is_refused_by_the_argument_parser(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["plot", str(TABLEAUS / "rk4.toml"), "--extent", "1,0,0,1"])
    assert exit_.value.code == 2
    assert "need finite X0 < X1 and Y0 < Y1" in capsys.readouterr().err


def test_a_relative_output_lands_in_the_working_directory(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert tabc(capsys, "plot", TABLEAUS / "euler.toml", "-o", "pictures/euler.png")[0] == 0
    assert read_png(tmp_path / "pictures" / "euler.png").shape[0] > 100


# --------------------------------------------------------------------------- the mathematics


@pytest.mark.parametrize(
    "name, beta_r, beta_i",
    [
        # HW §IV.2, Fig. 2.1 and Table 2.1; Kraaijevanger / Ketcheson for SSPRK; the
        # imaginary interval of RK4 is 2√2 and of every 3-stage order-3 method √3
        ("euler", 2.0, 0.0),
        ("heun", 2.0, 0.0),
        ("rk4", 2.7852935634, 2 * math.sqrt(2)),
        ("ssprk33", 2.5127453266, math.sqrt(3)),
        ("kutta3", 2.5127453266, math.sqrt(3)),
        ("gl2", math.inf, math.inf),
        ("radau_iia3", math.inf, math.inf),
        ("backward_euler", math.inf, math.inf),
    ],
)
def test_runge_kutta_stability_intervals_against_the_literature(name, beta_r, beta_i):
    found = curve(name)
    assert found.real.beta == pytest.approx(beta_r, rel=1e-9)
    assert found.imaginary.beta == pytest.approx(beta_i, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "name, beta_r",
    [
        # Adams methods: HW §V.1, Table 1.1 (AB: 2, 1, 6/11, 3/10; AM k >= 2: 6, 3, 90/49)
        ("ab1", 2.0), ("ab2", 1.0), ("ab3", 6 / 11), ("ab4", 0.3),
        ("am2", 6.0), ("am3", 3.0), ("am4", 90 / 49),
        ("bdf1", math.inf), ("bdf3", math.inf), ("bdf6", math.inf),  # A(0)-stable
        ("leapfrog", 0.0), ("milne_simpson", 0.0),  # stable only on an imaginary segment
    ],
)  # fmt: skip
def test_multistep_real_stability_intervals_against_the_literature(name, beta_r):
    assert curve(name).real.beta == pytest.approx(beta_r, rel=1e-6, abs=1e-12)


RUNGE_KUTTA = sorted(p for p in TABLEAUS.glob("*.toml") if load_scheme(p).kind == "runge-kutta")


@pytest.mark.parametrize("path", RUNGE_KUTTA, ids=lambda p: p.stem)
def test_the_float64_intervals_agree_with_the_exact_ones(path):
    """The legend's intervals are the analysis' exact ones; the float64 way (used where the
    analysis gives none: pi, a degree above its limit) finds the same ends in the library."""
    from tableau_compiler.plotting import _interval_polynomials, _intervals, stability_polynomials

    tableau = load_scheme(path)
    field_, numerator, denominator = stability_polynomials(tableau)
    tolerance = tableau.effective_tolerance if tableau.is_approximate else None
    floats = _intervals(*_interval_polynomials(field_, numerator, denominator, tolerance))
    exact = curve_for(tableau)
    for mine, theirs in zip(floats, (exact.real, exact.imaginary)):
        assert mine.beta == pytest.approx(theirs.beta, rel=1e-7, abs=1e-12), path.stem


@pytest.mark.parametrize(
    "k, degrees", [(1, 90.0), (2, 90.0), (3, 86.03), (4, 73.35), (5, 51.84), (6, 17.84)]
)
def test_bdf_legends_carry_the_a_alpha_angles_of_the_literature(k, degrees):
    """HW §V.2, Table 2.3: BDF3-6 are A(α)-stable with α = 86.03°, 73.35°, 51.84°, 17.84°."""
    found = curve(f"bdf{k}")
    assert float(found.angle.rstrip("°")) == pytest.approx(degrees, abs=0.005)


def test_a_multistep_scheme_whose_rho_and_sigma_share_a_root_gets_the_float_interval():
    """lm_resnet at k = 0 is rho = ζ(ζ - 1), sigma = ζ: forward Euler with a spare root 0."""
    found = curve("lm_resnet")
    assert (found.real.beta, found.real.text) == (pytest.approx(2.0, rel=1e-9), "≈ 2")
    assert curve("ab3").real.text == "= 6/11 ≈ 0.545455"


@pytest.mark.parametrize("name", ["euler", "rk4", "ssprk33", "ssprk104", "dopri5", "verner65"])
def test_an_interval_end_has_modulus_one_and_the_modulus_is_at_most_one_inside(name):
    found = curve(name)
    for beta, direction in ((found.real.beta, -1.0), (found.imaginary.beta, 1j)):
        if beta == 0.0:
            continue
        inside = np.linspace(0.0, beta, 2001)[1:-1] * direction
        assert runge_kutta_modulus(found, inside).max() <= 1.0 + 1e-12
        assert runge_kutta_modulus(found, np.array([beta * direction]))[0] == pytest.approx(1.0)
        assert runge_kutta_modulus(found, np.array([beta * 1.001 * direction]))[0] > 1.0


@pytest.mark.parametrize("path", MULTISTEP, ids=lambda p: p.stem)
def test_the_multistep_region_by_winding_numbers_is_the_region_by_roots(path):
    """Z_σ + winding number = k exactly where every root of ρ − zσ lies in the unit disc,
    at every grid point that is not on the boundary (largest root modulus 1)."""
    found = curve_for(load_scheme(path))
    x, y = np.linspace(-7.0, 3.0, 101), np.linspace(-4.0, 4.0, 81)
    by_winding = multistep_region(found, x, y)
    modulus = multistep_root_modulus(found, x[None, :] + 1j * y[:, None])
    clear = np.abs(modulus - 1.0) > 1e-9
    assert np.array_equal(by_winding[clear], (modulus <= 1.0)[clear])


@pytest.mark.parametrize("name", ["bdf2", "bdf5", "ab3", "am4"])
def test_the_boundary_locus_is_where_a_root_lies_on_the_unit_circle(name):
    found = curve(name)
    theta = np.linspace(0.1, 3.0, 7)
    locus = boundary_locus(found, 4001)
    points = locus[np.round(theta / (2 * math.pi) * 4000).astype(int)]
    zeta = np.exp(2j * math.pi * np.round(theta / (2 * math.pi) * 4000) / 4000)
    alpha, beta = np.array(found.rho), np.array(found.sigma)
    for z, root in zip(points, zeta):
        value = np.polyval(alpha[::-1] - z * beta[::-1], root)
        assert abs(value) < 1e-9 * max(1.0, abs(z))


def test_the_default_extent_holds_the_boundary_and_the_intervals():
    rk4 = curve("rk4")
    box = default_extent([rk4])
    assert box.x0 < -rk4.real.beta and box.y1 > rk4.imaginary.beta and box.y0 == -box.y1
    bdf6 = default_extent([curve("bdf6")])
    locus = boundary_locus(curve("bdf6"))
    assert box.x0 < 0 < box.x1
    assert bdf6.x1 > np.nanmax(locus.real) and bdf6.y1 > np.nanmax(locus.imag)
    gauss = default_extent([curve("gl2")])  # the boundary is the imaginary axis: the fallback
    assert (gauss.x0, gauss.x1) == pytest.approx((-4.8, 4.8))


# --------------------------------------------------------------------------- the docs' pictures


def test_the_documented_command_regenerates_its_pictures(tmp_path, capsys, monkeypatch):
    """Each ``tabc plot ... -o docs/*.png`` line of docs/stability-plots.md, run here with ``-o``
    in a scratch directory, writes a picture of the committed one's size."""
    lines = [
        line.strip()
        for line in (ROOT / "docs" / "stability-plots.md").read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("tabc plot ") and " -o docs/" in line
    ]
    assert len(lines) >= 2
    monkeypatch.chdir(ROOT)
    for line in lines:
        argv = line.split()[1:]
        committed = ROOT / argv[argv.index("-o") + 1]
        argv[argv.index("-o") + 1] = str(tmp_path / committed.name)
        assert tabc(capsys, *argv)[0] == 0
        assert read_png(tmp_path / committed.name).shape == read_png(committed).shape, line


def test_without_matplotlib_plot_names_its_extra_and_writes_nothing(tmp_path):
    import subprocess
    import sys

    script = (
        "import sys\nsys.modules['matplotlib'] = None\n"
        "from tableau_compiler.cli import main\n"
        f"sys.exit(main(['plot', {str(TABLEAUS / 'rk4.toml')!r}, '-o', 'x.png']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "tabc: this command needs matplotlib: install tabc's 'plot' extra from where tabc came "
        "from, e.g. pip install -e '.[plot]' in its clone (tabc is not on a package index)\n"
    )
    assert list(tmp_path.iterdir()) == []
