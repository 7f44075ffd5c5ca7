"""The employer wizard: "where is your company?" → "whom do you want to hire?" → what applies, grouped by what it does for
the employer. No Flask.

Which instruments apply: those that run now, that are available where the rule for their provider says
(catalogue/residence.py: the gemeente where the candidate lives for the gemeente's own instruments, the employer's
location for the WSP and regional employer services, everywhere for national ones), and that fit the person to be hired.

Adding a true fact about the candidate never removes what applies; it only removes what that fact rules out:
- age group (one answer): an instrument restricted to other age groups, or only to target groups whose age bounds
  exclude the chosen age (seed_data/wizard.yaml `age_bounds`: "Jongeren" and 56 years), is left out;
- uitkering (the benefits the candidate has): an instrument restricted to other benefits is left out;
- target groups, and the doelgroepregister (`open_world` in seed_data/wizard.yaml), are characteristics a person can
  have several of: ticking one says nothing about the others, so they never exclude; a card restricted to a target
  group the employer did not tick says "check whether this applies".
A point the employer left open ("weet ik niet") does not exclude anything; the card then says for whom it is meant.

What an instrument does for the employer (money, trying out, coaching, workplace, risk cover) is data: the mapping from
instrument kind to benefit category lives in seed_data/wizard.yaml.
"""
from .benefits import OTHER, OTHER_CATEGORY, WIZARD_FILE, Benefit, benefit_for_kind, load_benefits
from .cards import CardInstrument, Instruments, load_cards, restrictions
from .choices import CHOICE_PARAMETERS, MULTIPLE, Choices, Place, WizardError, options, parse_choices
from .matching import MatchingRules, age_ranges, applies, fit, load_matching
from .result import BenefitGroup, Facts, Match, Origin, TermCode, WizardResult, matching_ids, result

__all__ = ["OTHER", "OTHER_CATEGORY", "WIZARD_FILE", "Benefit", "benefit_for_kind", "load_benefits", "Instruments",
           "restrictions", "CardInstrument", "load_cards", "CHOICE_PARAMETERS", "MULTIPLE", "Choices", "Place", "WizardError", "options",
           "parse_choices", "MatchingRules", "age_ranges", "applies", "fit", "load_matching", "BenefitGroup", "Facts",
           "Match", "Origin", "TermCode", "WizardResult", "matching_ids", "result"]
