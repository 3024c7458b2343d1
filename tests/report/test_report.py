#!/usr/bin/env python3
"""End-to-end checks of `growthcast report`: a forecast of two shipped
scenarios becomes one self-contained HTML page, which headless Chromium
renders; the screenshot must show the fan charts (their band colours) on a
page that is not blank. Bad inputs exit 1 and write nothing.

Needs Debian's `chromium` (apt-get install -y chromium): without it the
screenshot test fails, it does not skip.

Environment (set by ctest): GROWTHCAST_BINARY, GROWTHCAST_SOURCE_DIR,
GROWTHCAST_WORK_DIR.
"""

import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

BINARY = os.environ["GROWTHCAST_BINARY"]
SOURCE = os.environ["GROWTHCAST_SOURCE_DIR"]
WORK = os.environ.get("GROWTHCAST_WORK_DIR", tempfile.gettempdir())
SCENARIOS = [
    os.path.join(SOURCE, "scenarios", "chengdu_chongqing", "rd_push.toml"),
    os.path.join(SOURCE, "scenarios", "yangtze_river_delta", "baseline.toml"),
]
# Chengdu-Chongqing with its baseline: a group with two scenarios, so the
# page overlays them and shows rd_push's difference from the baseline.
COMPARED = SCENARIOS + [
    os.path.join(SOURCE, "scenarios", "chengdu_chongqing", "baseline.toml")]
SWEEP = os.path.join(SOURCE, "scenarios", "sweeps",
                     "chengdu_chongqing_rd_investment.toml")
# The scenario files' descriptions, which the page shows as titles.
TITLE = {
    "chengdu_chongqing/rd_push":
        "Chengdu-Chongqing: R&D intensity to 3% of GDP by 2030",
    "chengdu_chongqing/baseline":
        "Chengdu-Chongqing: all drivers held at their baseline",
    "yangtze_river_delta/baseline":
        "Yangtze River Delta: all drivers held at their baseline",
}
WIDTH, HEIGHT = 1400, 3000
# engine/report/svg.h: the fan charts' opaque colours.
BAND_90 = (0xC6, 0xDB, 0xEF)
BAND_50 = (0x6B, 0xAE, 0xD6)
MEDIAN = (0x08, 0x51, 0x9C)
# engine/report/svg.h: kScenarioColours[0] and [1], the overlay's lines.
SCENARIO_0 = (0x2C, 0xA0, 0x2C)
SCENARIO_1 = (0x94, 0x67, 0xBD)


def run(*args, timeout=300):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=timeout)


def number(value, decimals):
    """engine/report/html.cc's format_number: thousands separators, a minus
    sign (U+2212) unless the text rounds to zero, an en dash for NaN."""
    if value != value:
        return "\u2013"
    text = f"{abs(value):,.{decimals}f}"
    negative = value < 0 and any(c in "123456789" for c in text)
    return ("\u2212" if negative else "") + text


def decimals_for(magnitude):
    """engine/report/report.cc's decimals_for: about four significant
    digits."""
    import math
    if magnitude != magnitude or magnitude == 0:
        return 0
    return min(max(3 - math.floor(math.log10(abs(magnitude))), 0), 6)


def tables_after(html, marker):
    """The rows (lists of unescaped cell texts, header row first) of each
    table after the first occurrence of `marker`, up to the end of the
    enclosing section."""
    import html as html_module
    start = html.index(marker)
    end = html.find("</section>", start)
    out = []
    for table in re.findall(r"<table>(.*?)</table>", html[start:end], re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            rows.append([html_module.unescape(c) for c in
                         re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
        out.append(rows)
    return out


def decode_png(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (
                    up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    pixels = []
    for line in rows:
        pixels.append([tuple(line[i:i + 3])
                       for i in range(0, stride, channels)])
    return width, height, pixels


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=WORK)
        cls.h5 = os.path.join(cls.dir, "forecast.h5")
        r = run("forecast", *COMPARED, "--out", cls.h5, "--draws", "500")
        assert r.returncode == 0, r.stderr
        cls.html_path = os.path.join(cls.dir, "report.html")
        cls.report_run = run("report", cls.h5, "--out", cls.html_path)
        cls.html = ""
        if cls.report_run.returncode == 0:
            with open(cls.html_path, encoding="utf-8") as f:
                cls.html = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_exit_status(self):
        self.assertEqual(self.report_run.returncode, 0,
                         self.report_run.stderr)
        self.assertTrue(os.path.isfile(self.html_path))
        self.assertEqual(
            [f for f in os.listdir(self.dir) if ".tmp" in f], [],
            "the temporary file was left behind")

    def test_self_contained(self):
        html = self.html
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertIsNone(
            re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html,
                      re.I), "the page loads something from the network")
        self.assertNotIn("http://", html)
        self.assertNotIn("https://", html)
        self.assertNotIn("<script", html.lower())
        self.assertNotIn("@import", html)
        self.assertNotIn("<link", html.lower())
        self.assertIsNone(re.search(r"url\(", html), "CSS fetches a URL")

    def test_fan_charts(self):
        import html as html_module
        import h5py
        with h5py.File(self.h5, "r") as f:
            gdp_units = f["forecast/gdp/quantiles"].attrs["units"]
            gdp_units = gdp_units.decode() if isinstance(
                gdp_units, bytes) else gdp_units
        # A GDP fan and a growth fan per (scenario, unit shown): the groups
        # (Chengdu-Chongqing with 2 scenarios, the delta with 1), their
        # provinces (Sichuan and Chongqing with 2 each, the delta's 4 with
        # 1 each); and Chengdu-Chongqing's overlay and 2 difference charts.
        self.assertEqual(self.html.count("<svg"),
                         2 * ((2 + 1) + (2 * 2 + 4 * 1)) + 3)
        for name, unit in (("chengdu_chongqing/rd_push", "Chengdu-Chongqing"),
                           ("yangtze_river_delta/baseline",
                            "Yangtze River Delta")):
            title = html_module.escape(unit + " \u2014 " + TITLE[name],
                                       quote=True).replace("&#x27;", "&#39;")
            self.assertIn("<title>GDP: " + title + "</title>", self.html)
            self.assertIn("<title>GDP growth: " + title + "</title>",
                          self.html)
        for colour in ("#c6dbef", "#6baed6", "#08519c", "#333333"):
            self.assertIn('fill="%s"' % colour if colour in (
                "#c6dbef", "#6baed6") else 'stroke="%s"' % colour, self.html)
        for legend in ("History", "Median", "50% band", "90% band"):
            self.assertIn(">%s</text>" % legend, self.html)
        for year in ("2010", "2020", "2035"):
            self.assertIn(">%s</text>" % year, self.html)
        # Axis titles with the units the file records.
        self.assertIn(">Year</text>", self.html)
        self.assertIn(">GDP (%s)</text>" % html_module.escape(
            gdp_units, quote=True).replace("&#x27;", "&#39;"), self.html)
        self.assertIn(">Annual GDP growth (%)</text>", self.html)
        # The comparison of Chengdu-Chongqing's two scenarios.
        for title in ("Chengdu-Chongqing \u2014 scenarios compared (medians)",
                      "Chengdu-Chongqing \u2014 GDP difference from "
                      "Chengdu-Chongqing: all drivers held at their baseline",
                      "Chengdu-Chongqing \u2014 growth difference from "
                      "Chengdu-Chongqing: all drivers held at their baseline"):
            self.assertIn("<title>" + title + "</title>", self.html)
        self.assertIn(">Difference of medians (% of baseline)</text>",
                      self.html)
        # The provinces, collapsed under each group.
        self.assertIn("<details><summary>Provinces of Chengdu-Chongqing (2): "
                      "Sichuan, Chongqing</summary>", self.html)
        self.assertIn("<details><summary>Provinces of Yangtze River Delta "
                      "(4): Shanghai, Jiangsu, Zhejiang, Anhui</summary>",
                      self.html)
        for region in ("Sichuan", "Chongqing", "Shanghai", "Anhui"):
            self.assertIn("<h4>%s</h4>" % region, self.html)

    def test_tables(self):
        html = self.html
        # GDP's units come from data/china_provinces.units.csv.
        units = "(100 million yuan, 2019 prices)"
        for text in (f"GDP 2025 {units}: median [90% band]",
                     f"GDP 2030 {units}: median",
                     f"GDP 2035 {units}: median", "Mean annual growth",
                     "Technology share of growth",
                     "<td>chengdu_chongqing/rd_push</td>",
                     "<td>yangtze_river_delta/baseline</td>",
                     "<td>Chengdu-Chongqing: R&amp;D intensity to 3% of GDP "
                     "by 2030</td>",
                     # calibration: shared parameters and fit
                     "Shared parameters", "<td>alpha</td>", "<td>gamma</td>",
                     "<td>beta</td>", "<td>delta_S</td>", "Std. error",
                     "R\u00b2", "AIC", "BIC", "log-likelihood",
                     # accounting: groups, periods, provinces collapsed
                     "Growth accounting", "<td>Beijing-Tianjin-Hebei</td>",
                     "<td>2011-2015</td>", "<td>2016-2019</td>",
                     "<details><summary>Per province / region</summary>",
                     "<td>Sichuan</td>", "Technology share",
                     # provenance
                     "<dt>version</dt>", "<dt>git_commit</dt>",
                     "<dt>created</dt>", "<dt>command_line</dt>"):
            self.assertIn(text, html)
        # The spillover elasticity is off in the default calibration.
        self.assertNotIn("<td>phi</td>", html)
        # Medians with a 90% band, e.g. "112,522 [108,899–116,334]".
        self.assertRegex(html, r"\d{2,3},\d{3} \[\d{2,3},\d{3}\u2013"
                               r"\d{2,3},\d{3}\]")

    def test_numbers_are_the_hdf5_values(self):
        # Every number of the forecast, calibration and accounting tables
        # against the HDF5 file the page was made from, formatted as the
        # page formats them: GDP to whole units with thousands separators,
        # estimates to 4 significant digits, standard errors and t to 3,
        # fit statistics to 6, accounting rates as percentages to 2
        # decimals and technology shares to 1.
        import h5py

        def cells(row_start):
            """The <td> texts of the row whose first cell is row_start."""
            m = re.search(r"<tr><td>" + re.escape(row_start) +
                          r"</td>(.*?)</tr>", self.html, re.S)
            self.assertIsNotNone(m, row_start)
            return re.findall(r"<td[^>]*>(.*?)</td>", m.group(1))

        def rows(row_start):
            return [re.findall(r"<td[^>]*>(.*?)</td>", m.group(1))
                    for m in re.finditer(r"<tr><td>" + re.escape(row_start) +
                                         r"</td>(.*?)</tr>", self.html, re.S)]

        def decode(values):
            return [v.decode() if isinstance(v, bytes) else v for v in values]

        def g(value, digits):
            return f"{value:.{digits}g}"

        with h5py.File(self.h5, "r") as f:
            scenarios = decode(f["forecast/scenario"][()])
            units = decode(f["forecast/region"][()])
            years = list(f["forecast/year"][()])
            q = f["forecast/gdp/quantiles"][()]
            levels = list(f["forecast/quantile"][()])
            lo, med, hi = (levels.index(x) for x in (0.05, 0.5, 0.95))
            growth = f["forecast/gdp_growth/quantiles"][()]
            groups = {"chengdu_chongqing/rd_push": "Chengdu-Chongqing",
                      "chengdu_chongqing/baseline": "Chengdu-Chongqing",
                      "yangtze_river_delta/baseline": "Yangtze River Delta"}
            checked = 0
            # The forecast tables of the groups and of two provinces: the
            # median and 90% band in 2025, 2030 and 2035.
            for unit, marker in (("Chengdu-Chongqing",
                                  "<h3>Chengdu-Chongqing</h3>"),
                                 ("Yangtze River Delta",
                                  "<h3>Yangtze River Delta</h3>"),
                                 ("Sichuan", "<h4>Sichuan</h4>"),
                                 ("Anhui", "<h4>Anhui</h4>")):
                u = units.index(unit)
                table = [t for t in tables_after(self.html, marker)
                         if t[0][2].startswith("GDP 2025 (") and t[0][2].endswith("): median [90% band]")][0]
                for row in table[1:]:
                    s = scenarios.index(row[1])
                    self.assertEqual(row[0], TITLE[row[1]])
                    for k, year in enumerate((2025, 2030, 2035)):
                        y = years.index(year)
                        d = decimals_for(q[s, u, y, med])
                        want = (f"{number(q[s, u, y, med], d)} "
                                f"[{number(q[s, u, y, lo], d)}\u2013"
                                f"{number(q[s, u, y, hi], d)}]")
                        self.assertEqual(row[2 + k], want,
                                         f"{unit} {row[1]} {year}")
                        checked += 1
            # rd_push against the baseline: the medians' ratio - 1 in
            # 2025/2030/2035, and the mean over the years of the difference
            # of the growth medians in percentage points.
            u = units.index("Chengdu-Chongqing")
            table = [t for t in tables_after(self.html,
                                             "<h3>Chengdu-Chongqing</h3>")
                     if t[0][2].endswith("vs baseline (median, %)")][0]
            self.assertEqual(len(table), 2)
            row = table[1]
            s, b = (scenarios.index(n) for n in ("chengdu_chongqing/rd_push",
                                                  "chengdu_chongqing/baseline"))
            self.assertEqual(row[1], "chengdu_chongqing/rd_push")
            for k, year in enumerate((2025, 2030, 2035)):
                y = years.index(year)
                self.assertEqual(row[2 + k], number(
                    100 * (q[s, u, y, med] / q[b, u, y, med] - 1), 2) + "%")
                checked += 1
            gap = (growth[s, u, :, med] - growth[b, u, :, med]).mean()
            self.assertEqual(row[5], number(100 * gap, 2) + " pp")
            checked += 1
            cal = f["calibration"]
            names = decode(cal["parameter"][()])
            est, se, t = (cal[k][()] for k in ("estimate", "std_error",
                                                  "t_stat"))
            for p in ("alpha", "beta", "gamma"):
                i = names.index(p)
                # Parameter, description, units, then the numbers.
                self.assertEqual(cells(p)[2:5], [g(est[i], 4), g(se[i], 3),
                                                 g(t[i], 3)], p)
                checked += 1
            for r in ("Beijing", "Sichuan"):
                i = names.index(f"a[{r}]")
                self.assertEqual(names[i + 1], f"lambda[{r}]")
                self.assertEqual(cells(r)[:4],
                                 [g(est[i], 4), g(se[i], 3),
                                  g(est[i + 1], 4), g(se[i + 1], 3)], r)
                checked += 1
            for label, attr in (("R\u00b2", "r_squared"),
                                ("log-likelihood", "log_likelihood"),
                                ("AIC", "aic"), ("BIC", "bic"),
                                ("shock AR(1) \u03c1", "shock_rho")):
                self.assertEqual(cells(label)[0], g(cal.attrs[attr], 6),
                                 label)
                checked += 1
            acc = f["accounting"]
            acc_units = decode(acc["region"][()])
            for unit in ("Beijing-Tianjin-Hebei", "Sichuan"):
                i = acc_units.index(unit)
                periods = decode(acc["period"][()])
                found = [row for row in rows(unit) if row and row[0] in periods]
                self.assertEqual(len(found), len(periods), unit)
                for period, row in enumerate(found):
                    self.assertEqual(row[0], periods[period])
                    c = acc["contribution_rd"][i, period]
                    # The page writes a minus sign (U+2212) for negatives.
                    want = [f"{100 * v:.2f}%".replace("-", "\u2212")
                            for v in c]
                    want.append(
                        f"{100 * acc['technology_share_rd'][i, period]:.1f}%")
                    self.assertEqual(row[1:], want, f"{unit} {period}")
                    checked += 1
        # 4 tables of 2 or 1 scenarios x 3 years; 3 + 1 differences.
        self.assertEqual(checked, (2 + 1 + 2 + 1) * 3 + 4 + 3 + 2 + 5 + 4)

    def runs_table(self, html):
        """The provenance's "Scenario runs" table as {scenario: {column:
        text}}."""
        rows = tables_after(html, "<summary>Scenario runs (")[0]
        return {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}

    def test_runs_table_has_seed_and_random_stream(self):
        # Each scenario's seed and random stream version as the file
        # records them (/forecast/seed, scenario_<k>_random_stream): 3, the
        # default, here; 1 in a forecast drawn with --random-stream 1.
        import h5py
        runs = self.runs_table(self.html)
        with h5py.File(self.h5, "r") as f:
            g = f["forecast"]
            names = [v.decode() if isinstance(v, bytes) else v
                     for v in g["scenario"][()]]
            self.assertEqual(sorted(runs), sorted(names))
            for k, name in enumerate(names):
                version = g.attrs[f"scenario_{k}_random_stream"]
                self.assertEqual(version, 3)  # the default
                self.assertEqual(runs[name]["Random stream"], str(version))
                self.assertEqual(runs[name]["Seed"], str(g["seed"][k]))
        d = tempfile.mkdtemp(dir=self.dir)
        h5, out = os.path.join(d, "stream1.h5"), os.path.join(d, "s1.html")
        r = run("forecast", SCENARIOS[0], "--out", h5, "--draws", "50",
                "--random-stream", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("report", h5, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            runs = self.runs_table(f.read())
        self.assertEqual(runs["chengdu_chongqing/rd_push"]["Random stream"],
                         "1")

    def test_text_from_the_file_is_escaped(self):
        source = SCENARIOS[0]
        with open(source, encoding="utf-8") as f:
            toml = f.read()
        toml = re.sub(r'(?m)^name = .*$', 'name = "x <b>&amp; \\"q\\""',
                      toml)
        toml = toml.replace('"Chengdu-Chongqing" =', '"CC <i>&</svg>" =')
        d = tempfile.mkdtemp(dir=self.dir)
        scenario = os.path.join(d, "odd.toml")
        with open(scenario, "w", encoding="utf-8") as f:
            f.write(toml)
        h5, out = os.path.join(d, "odd.h5"), os.path.join(d, "odd.html")
        r = run("forecast", scenario, "--out", h5, "--draws", "100")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("report", h5, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self.assertIn("CC &lt;i&gt;&amp;&lt;/svg&gt;", html)
        self.assertIn("x &lt;b&gt;&amp;amp; &quot;q&quot;", html)
        self.assertNotIn("<i>", html)
        self.assertNotIn("<b>", html)

    def test_screenshot(self):
        chromium = shutil.which("chromium")
        if chromium is None:
            self.fail("chromium is not installed: the report's rendering "
                      "check needs Debian's chromium (apt-get install -y "
                      "chromium)")
        png = os.path.join(self.dir, "report.png")
        profile = tempfile.mkdtemp(dir=self.dir)
        r = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run",
             "--user-data-dir=" + profile, "--screenshot=" + png,
             "--window-size=%d,%d" % (WIDTH, HEIGHT),
             "file://" + os.path.abspath(self.html_path)],
            capture_output=True, text=True, timeout=180)
        self.assertTrue(os.path.isfile(png),
                        "chromium wrote no screenshot:\n" + r.stderr)
        # GROWTHCAST_REPORT_SCREENSHOT=FILE keeps the screenshot to look at.
        keep = os.environ.get("GROWTHCAST_REPORT_SCREENSHOT")
        if keep:
            shutil.copy(png, keep)
        width, height, pixels = decode_png(png)
        self.assertEqual((width, height), (WIDTH, HEIGHT))
        non_white = 0
        rows_with = {BAND_90: set(), BAND_50: set(), MEDIAN: set(),
                     SCENARIO_0: set(), SCENARIO_1: set()}
        for y, row in enumerate(pixels):
            for p in row:
                if p != (255, 255, 255):
                    non_white += 1
                    if p in rows_with:
                        rows_with[p].add(y)
        fraction = non_white / (width * height)
        # Text, tables and charts: a blank or failed page has ~0.
        self.assertGreater(fraction, 0.03, "the page looks blank")
        # The bands and the median line rise across each chart's plot area
        # (~100 px high at this size); the legend swatches alone cover only
        # ~10 rows of pixels, and nothing else on the page uses these colours.
        for colour, what in ((BAND_90, "90% band"), (BAND_50, "50% band"),
                             (MEDIAN, "median line")):
            self.assertGreater(len(rows_with[colour]), 40,
                               "no %s in the screenshot" % what)
        # The overlay's two scenario lines rise across its plot area (~200
        # px); the difference charts' one line is SCENARIO_0 too.
        for colour, what in ((SCENARIO_0, "first scenario's line"),
                             (SCENARIO_1, "second scenario's line")):
            self.assertGreater(len(rows_with[colour]), 30,
                               "no %s in the screenshot" % what)


class ModelMetadata(unittest.TestCase):
    """Issue 14: the parameter tables come from the model's metadata, the
    technology share from its contributions' flags, and the forecast
    variables from the file."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=WORK)
        cls.h5 = os.path.join(cls.dir, "forecast.h5")
        r = run("forecast", SCENARIOS[0], "--out", cls.h5, "--draws", "200")
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def render(self, h5):
        out = h5 + ".html"
        r = run("report", h5, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            return f.read()

    def test_parameter_tables_from_the_metadata(self):
        html = self.render(self.h5)
        # The forecast calibrates the command line's default model,
        # tfp_convergence: descriptions and units as
        # models/tfp_convergence/model.h declares them; statuses as
        # calibrate's table labels them.
        for text in ("<td>output elasticity of capital</td>",
                     "<td>depreciation rate of the knowledge stock</td>"
                     "<td>1 per year</td>",
                     "<td>1-alpha</td>", "Model tfp_convergence (version 1)",
                     "<td>kappa</td>",
                     "lambda: TFP trend growth in the first year of the window "
                     "(log points per year)",
                     "(contribution_knowledge + contribution_tfp) / d ln Y"):
            self.assertIn(text, html)
        # cobb_douglas_rd's phi is not a parameter of this model.
        self.assertNotIn("<td>phi</td>", html)

    def share_cells(self, html):
        return re.findall(r'<td class="num">([^<]*)</td></tr>', html)

    def test_technology_share_and_variables_from_the_file(self):
        import h5py
        import numpy as np
        copy = os.path.join(self.dir, "extra.h5")
        shutil.copy(self.h5, copy)
        with h5py.File(copy, "r+") as f:
            g = f["forecast"]
            shape = g["contribution_tfp/mean_value"].shape
            # A variable this build does not know is listed and read.
            extra = g.create_group("zz_extra")
            extra.create_dataset("quantiles", data=np.zeros(
                g["gdp/quantiles"].shape))
            extra.create_dataset("mean_value", data=np.zeros(shape))
            # The share by its definition (docs/architecture.md): knowledge
            # and TFP, flagged technology, over d ln Y = the sum of all
            # contributions, each summed over the years; computed here from
            # the stored means for the first unit the table shows.
            units = [u.decode() for u in g["region"][()]]
            unit = units.index("Chengdu-Chongqing")
            sums = {c: g["contribution_%s/mean_value" % c][0, unit, :].sum()
                    for c in ("capital", "labour", "knowledge", "tfp")}
        expected = (sums["knowledge"] + sums["tfp"]) / sum(sums.values())
        html = self.render(copy)
        self.assertIn("%.1f%%" % (100 * expected), self.share_cells(html))
        # Without contribution_tfp in the file the share is not a number.
        with h5py.File(copy, "r+") as f:
            del f["forecast/contribution_tfp"]
        html = self.render(copy)
        self.assertIn("\u2013", self.share_cells(html))


class BadInput(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)
        self.out = os.path.join(self.dir, "report.html")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def assert_fails(self, result_file, message):
        r = run("report", result_file, "--out", self.out)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(message, r.stderr)
        self.assertIn(result_file, r.stderr)
        self.assertFalse(os.path.exists(self.out))
        self.assertEqual([p for p in os.listdir(self.dir) if ".tmp" in p], [],
                         "a temporary file was left behind")

    def test_missing_file(self):
        self.assert_fails(os.path.join(self.dir, "nope.h5"), "does not exist")

    def test_not_hdf5(self):
        path = os.path.join(self.dir, "text.h5")
        with open(path, "w") as f:
            f.write("not a result\n")
        self.assert_fails(path, "not an HDF5 file")

    def test_without_forecast(self):
        cal = os.path.join(self.dir, "calibration.h5")
        r = run("calibrate", "--out", cal)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_fails(cal, "no /forecast")

    def test_failure_keeps_an_existing_page(self):
        with open(self.out, "w") as f:
            f.write("old")
        r = run("report", os.path.join(self.dir, "nope.h5"), "--out",
                self.out)
        self.assertEqual(r.returncode, 1)
        with open(self.out) as f:
            self.assertEqual(f.read(), "old")

    def test_usage(self):
        r = run("report", "--out", self.out)
        self.assertEqual(r.returncode, 2)
        self.assertFalse(os.path.exists(self.out))


class BacktestSection(unittest.TestCase):
    """Issue 15: `report --backtest` shows the record; every number in the
    table is the backtest file's, formatted."""

    def test_table_equals_the_backtest_file(self):
        import h5py
        d = tempfile.mkdtemp(dir=WORK)
        try:
            bt = os.path.join(d, "bt.h5")
            r = run("backtest", "--origins", "2018:2019", "--horizon", "2",
                    "--draws", "200", "--out", bt)
            self.assertEqual(r.returncode, 0, r.stderr)
            h5 = os.path.join(d, "f.h5")
            r = run("forecast", SCENARIOS[0], "--draws", "200", "--out", h5)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = os.path.join(d, "r.html")
            r = run("report", h5, "--backtest", bt, "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out, encoding="utf-8") as f:
                html = f.read()
            tables = tables_after(html, '<section id="backtest">')
            record = [t for t in tables if t[0][0] == "Model"
                      and t[0][1] == "Horizon (years)"][0]
            cells = record[1:]
            with h5py.File(bt, "r") as f:
                models = [m.decode() for m in f["/backtest/model"][()]]
                rmse = f["/backtest/rmse"][()]
                cov90 = f["/backtest/coverage90"][()]
                bias = f["/backtest/bias"][()]
                band_models = [m.decode() for m in f["/backtest/band_model"][()]]
                band_scale = f["/backtest/band_scale"][()]
            self.assertEqual(len(cells), len(models) * 2)

            def percent(v, digits):
                if v != v:
                    return "\u2013"
                text = "%.*f%%" % (digits, abs(100 * v))
                negative = v < 0 and any(c in "123456789" for c in text)
                return ("\u2212" if negative else "") + text

            # The benchmarks (engine/backtest/scores.h's names); each RMSE
            # over the lower of theirs at the same horizon.
            bench = [models.index("naive_trend"),
                     models.index("random_walk_drift")]
            for m, model in enumerate(models):
                for h in range(2):
                    row = cells[2 * m + h]
                    self.assertEqual(row[0], model if h == 0 else "")
                    self.assertEqual(row[3], percent(rmse[m, h], 2))
                    self.assertEqual(row[4], percent(bias[m, h], 2))
                    self.assertEqual(row[6], percent(cov90[m, h], 0))
                    best = min(rmse[b, h] for b in bench)
                    self.assertEqual(row[10],
                                     number(rmse[m, h] / best, 2) + "\u00d7")
            scales = [t for t in tables if t[0][0] == "Model"
                      and t[0][1] == "h = 1"][0]
            self.assertEqual([r[0] for r in scales[1:]], band_models)
            for m, row in enumerate(scales[1:]):
                self.assertEqual(row[1:], ["%.3g" % v for v in band_scale[m]])
            # The charts against the horizon: RMSE and both coverages.
            for title in ("RMSE of the median by horizon",
                          "90% band coverage by horizon",
                          "50% band coverage by horizon"):
                self.assertIn("<title>%s</title>" % title, html)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class SweepReport(unittest.TestCase):
    """A sweep's page: GDP's 2035 median and 90% band width against each
    axis, charts labelled with the axis keys and a table whose numbers are
    the file's; the same section from a one-process sweep and from shards
    joined by `growthcast merge`."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=WORK)
        cls.h5 = os.path.join(cls.dir, "sweep.h5")
        r = run("sweep", SWEEP, "--draws", "100", "--out", cls.h5)
        assert r.returncode == 0, r.stderr
        shards = []
        for k in range(2):
            shards.append(os.path.join(cls.dir, "shard%d.h5" % k))
            r = run("sweep", SWEEP, "--draws", "100", "--shard", "%d/2" % k,
                    "--out", shards[-1])
            assert r.returncode == 0, r.stderr
        cls.merged = os.path.join(cls.dir, "merged.h5")
        r = run("merge", *shards, "--out", cls.merged)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def render(self, h5):
        out = h5 + ".html"
        r = run("report", h5, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            return f.read()

    def sweep_section(self, html):
        start = html.index('<section id="sweep">')
        return html[start:html.index('<section id="forecasts">')]

    def test_section_and_numbers(self):
        import h5py
        html = self.render(self.h5)
        self.assertIn("<h1>growthcast sweep report</h1>", html)
        self.assertIn('<a href="#sweep">Sweep</a>', html)
        axes = ["drivers.rd_intensity.target", "drivers.rd_intensity.by",
                "drivers.investment_rate.target"]
        for axis in axes:
            for what in ("GDP median", "90% band width"):
                self.assertIn("<title>Chengdu-Chongqing \u2014 %s 2035 "
                              "against %s</title>" % (what, axis), html)
            # The axis is labelled under the chart.
            self.assertIn(">%s</text>" % axis, html)
        table = [t for t in tables_after(html, '<section id="sweep">')
                 if t[0][0] == "Point"][0]
        self.assertEqual(table[0][1:4], axes)
        with h5py.File(self.h5, "r") as f:
            names = [n.decode() for n in f["forecast/scenario"][()]]
            units = [u.decode() for u in f["forecast/region"][()]]
            years = list(f["forecast/year"][()])
            levels = list(f["forecast/quantile"][()])
            q = f["forecast/gdp/quantiles"][()]
            values = {a: f["forecast"][a][()] for a in axes}
        u, y = units.index("Chengdu-Chongqing"), years.index(2035)
        lo, med, hi = (levels.index(x) for x in (0.05, 0.5, 0.95))
        self.assertEqual(len(table) - 1, len(names))
        for row in table[1:]:
            s = names.index(row[0])
            # Axis values as %.6g; GDP to whole units (4+ digits).
            self.assertEqual(row[1:4], ["%.6g" % values[a][s] for a in axes])
            d = decimals_for(q[s, u, y, med])
            self.assertEqual(row[4], number(q[s, u, y, med], d))
            self.assertEqual(row[5], number(q[s, u, y, hi] - q[s, u, y, lo],
                                            d))

    def test_merged_file_shows_the_same_sweep(self):
        self.assertEqual(self.sweep_section(self.render(self.merged)),
                         self.sweep_section(self.render(self.h5)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
