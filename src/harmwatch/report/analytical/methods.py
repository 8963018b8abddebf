"""Section: methods and caveats, every method named with its reference."""

from __future__ import annotations

from harmwatch.analysis.smallnumbers import SMALL_COUNT
from harmwatch.report.analytical._context import Context
from harmwatch.report.document import ReportDocument

__all__ = ["METHODS", "render"]

#: (what, method and reference), in the order the report uses them.
METHODS: tuple[tuple[str, str], ...] = (
    (
        "Intervals for counts and rates",
        "exact Poisson (Garwood) intervals: Garwood F. Fiducial limits for the Poisson "
        "distribution. Biometrika 1936; 28:437-442.",
    ),
    (
        "Intervals for shares",
        "exact binomial (Clopper-Pearson) intervals: Clopper CJ, Pearson ES. Biometrika 1934; "
        "26:404-413.",
    ),
    (
        "Change between periods",
        "exact conditional test of two Poisson counts: Przyborowski J, Wilenski H. Biometrika "
        "1940; 31:313-323; verdicts worded after Sterne JAC, Davey Smith G. BMJ 2001; "
        "322:226-231 (p < 0.01 strong, < 0.05 some, < 0.10 weak evidence).",
    ),
    (
        "Many tests at once",
        "false discovery rate: Benjamini Y, Hochberg Y. JRSS B 1995; 57:289-300.",
    ),
    (
        "Funnel plots",
        "exact Poisson limits at 95% and 99.8%: Spiegelhalter DJ. Funnel plots for comparing "
        "institutional performance. Statistics in Medicine 2005; 24:1185-1202.",
    ),
    (
        "Near-miss pyramid",
        "Fisher's exact test of the top's share: Fisher RA. Statistical Methods for Research "
        "Workers, 1925.",
    ),
    (
        "Hour and month patterns",
        "Pearson's chi-square goodness of fit (Philosophical Magazine 1900; 50:157-175); months "
        "weighted by days at risk (Edwards JH. Annals of Human Genetics 1961; 25:83-87).",
    ),
    (
        "Deaths against expected",
        "indirect standardisation by institution type and Poisson funnels (Spiegelhalter 2005); "
        "why deaths per institution are watched: Baker R. Harold Shipman's clinical practice "
        "1974-1998. HMSO, 2001.",
    ),
    (
        "Linked series",
        "pairwise likelihood ratios (naive Bayes over MO overlap weighted by rarity, distance, "
        "days apart, weapon, location type, victim profile and shared persons), joined into "
        "series: Porter MD. A statistical approach to crime linkage. The American Statistician "
        "2016; 70(2):152-165 (crimelinkage, arXiv:1410.2285); comparative case analysis after "
        "Woodhams J, Hollin CR, Bull R. Legal and Criminological Psychology 2007; 12:233-249.",
    ),
    (
        "Unsolved clusters",
        "homicides by district x victim sex x method against the force's clearance rate, exact "
        "one-sided binomial test and Benjamini-Hochberg q: Hargrove T. Murder Accountability "
        "Project: clearance rates and the algorithm for identifying clusters of unsolved "
        "homicides (murderdata.org, 2015).",
    ),
    (
        "Death monitoring",
        "Poisson CUSUM of deaths against expected, by institution and practitioner: Aylin P, "
        "Best N, Bottle A, Marshall C. Following Shipman: a pilot system for monitoring "
        "mortality rates in primary care. Lancet 2003; 362:485-491; risk-adjusted SPRT with "
        "threshold ln((1 - beta) / alpha): Spiegelhalter D, Grigg O, Kinsman R, Treasure T. Int "
        "J Qual Health Care 2003; 15:7-13.",
    ),
    (
        "Hot spots",
        "local Getis-Ord Gi* with queen contiguity and permutation inference: Getis A, Ord JK. "
        "Geographical Analysis 1992; 24:189-206; Ord JK, Getis A. Geographical Analysis 1995; "
        "27:286-306; persistent and emerging hot spots after Chainey S (2014), UCL PhD thesis.",
    ),
    (
        "Density surface",
        "quartic kernel density: Silverman BW. Density Estimation, 1986; Chainey S, Tompson L, "
        "Uhlig S. Security Journal 2008; 21:4-28.",
    ),
    (
        "Near repeats",
        "Monte Carlo Knox test: Knox EG. Applied Statistics 1964; 13:25-30; Mantel N. Cancer "
        "Research 1967; 27:209-220; table after Ratcliffe JH. Near Repeat Calculator 1.3, 2009, "
        "and Ratcliffe JH, Rengert GF. Security Journal 2008; 21:58-76; p-values after Besag J, "
        "Diggle PJ. Applied Statistics 1977; 26:327-333.",
    ),
    (
        "Escalation risk",
        "a points score of homicide risk markers (Campbell JC et al. Risk factors for femicide "
        "in abusive relationships. American Journal of Public Health 2003; 93(7):1089-1097; "
        "Glass N et al. Non-fatal strangulation is an important risk factor for homicide of "
        "women. Journal of Emergency Medicine 2008; 35(3):329-335), harm weighted by the "
        "Cambridge Crime Harm Index (Sherman L, Neyroud PW, Neyroud E. Policing 2016; "
        "10(3):171-183); back-test against a DASH-like rule (Robinson AL et al. College of "
        "Policing, 2016) with AUC (Hanley JA, McNeil BJ. Radiology 1982; 143:29-36); fairness by "
        "flag rate and precision (Chouldechova A. Big Data 2017; 5(2):153-163).",
    ),
    (
        "Partner data",
        "the Cardiff model: Florence C, Shepherd J, Brennan I, Simon T. BMJ 2011; 342:d3313; ED "
        "attendances matched to police occurrences by time, place, weapon and place type "
        "(Fellegi IP, Sunter AB. JASA 1969; 64:1183-1210); places by leader clustering "
        "(Hartigan JA. Clustering Algorithms, 1975).",
    ),
    (
        "Data coverage",
        "Home Office. Serious Violence Duty: statutory guidance, 2022; Wang RY, Strong DM. "
        "Journal of Management Information Systems 1996; 12(4):5-33.",
    ),
)


def render(doc: ReportDocument, ctx: Context) -> None:
    """Add the section."""
    doc.section("methods", "Methods and caveats")
    doc.section("methods-list", "Methods", level=2)
    doc.bullets([f"{what}: {how}" for what, how in METHODS])
    doc.section("caveats", "Caveats", level=2)
    caveats = [
        f"Small numbers: a count under {SMALL_COUNT} is marked (a dagger in tables, hatching "
        "in charts) and carries a caution; it cannot support a claim about a rate, a trend or "
        "a difference. Read the interval, not the number.",
        "A verdict of 'no evidence of a change' is not evidence of no change: with few events, "
        "even a real change is often undetectable.",
        "Locations: records are mapped in British National Grid (BNG) metres; coordinates "
        "supplied as latitude and longitude (WGS84) are converted by PROJ, without the "
        "Ordnance Survey's OSTN15 grid with the Helmert transformation EPSG:1314, accurate "
        "to about 2 metres (up to 5 m in places): fine at the scale of these maps and "
        "distance bands, not for surveying.",
        "Police-recorded crime counts what is reported and recorded: changes in reporting or "
        "recording practice move the numbers as much as changes in violence do. The ED data "
        "show some of what is not reported.",
        "Ethnicity is never an input to any analysis, flag, score or ranking in this report.",
        "Linked series, unsolved clusters, death monitoring and escalation scores are prompts "
        "for an analyst to look at the records behind them, never findings of guilt; sequential "
        "monitoring raises some false alarms by design (docs/monitoring.md).",
        f"Random permutations use seed {ctx.seed}: the same data and seed give the same report.",
        f"The period reported is {ctx.period.label}; the comparison period {ctx.previous.label}. "
        "Years the data cover only in part are marked and are not comparable with whole years.",
    ]
    if ctx.area:
        caveats.append(
            f"The report is restricted to {ctx.scope} for counts, hot spot maps and ED places; "
            "death investigations, near repeats and data coverage are for the whole force, and "
            "hot spots are judged against the whole force."
        )
    doc.bullets(caveats)
    if ctx.unavailable:
        doc.section("not-produced", "What this report could not produce", level=2)
        doc.bullets([f"{u['section']}: {u['reason']}." for u in ctx.unavailable])
