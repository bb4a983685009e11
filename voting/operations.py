"""Compatibility shim: voting operations now live in one module per sub-domain (voting/rounds.py,
proposals.py, eligibility.py, casting.py, codes.py, paper.py; refusals in voting/errors.py).
New code imports from those modules; this file only re-exports their names for callers not yet moved."""

from voting.casting import (  # noqa: F401
    Contest,
    _require_voting,
    cast,
    cast_online,
    contests_for,
    has_voted,
    load_proposal_details,
    new_receipt,
    read_choices,
    rules_for,
    user_voter_key,
    validate_choices,
)
from voting.codes import (  # noqa: F401
    MAX_CODES_PER_BATCH,
    _code_key,
    cast_with_code,
    check_code,
    check_code_for_change,
    code_hash,
    codes_csv,
    generate_codes,
    normalise_code,
)
from voting.codewords import CODE_ALPHABET, CODE_LENGTH  # noqa: F401
from voting.eligibility import (  # noqa: F401
    age_on,
    online_district,
    resident_details,
    set_resident_details,
)
from voting.errors import (  # noqa: F401
    AlreadyVoted,
    CodeRefused,
    NotEligible,
    VotingError,
)
from voting.paper import (  # noqa: F401
    KeyingDifference,
    _paper_key,
    accept_batch,
    compare_batch,
    create_paper_batch,
    discard_keying,
    enter_paper_ballot,
)
from voting.proposals import (  # noqa: F401
    _add_proposal,
    _district_of,
    add_proposals_from_shortlist,
    review_proposal,
    shown_proposals_query,
    submit_proposal,
)
from voting.rounds import (  # noqa: F401
    RoundSettings,
    _check_settings,
    add_district,
    create_round,
    import_postcodes,
    postcode_count,
    transition,
    update_round,
)
