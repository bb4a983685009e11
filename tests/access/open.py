"""Who may reach the open-data pages, the open API and the action log."""

from tests.access import ANY_MANAGER, EVERYONE, MANAGERS, Rule, both

# The fund slug and round slug come from the grants access module's world.


def _api(path):
    return Rule(f"/api/v1{path}", EVERYONE)


EXPECT = {
    "open_data.list_awards": Rule("/awards", EVERYONE),
    "open_data.show_fund": Rule("/funds/test-fund", EVERYONE),
    "open_data.show_open_data": Rule("/open-data", EVERYONE),
    "open_data.download_360giving": Rule("/open-data/360giving.csv", EVERYONE),
    "open_data.edit_round_publication": both(Rule(
        lambda w: f"/grants/rounds/{w['round_slug']}/publication", MANAGERS)),
    # Any fund manager may open the log; it shows only their own funds' actions.
    "action_log.list_actions": Rule("/manage/action-log", ANY_MANAGER),
    "api.openapi": _api("/openapi.json"),
    "api.show_audit_checkpoint": _api("/audit/checkpoint"),
    "api.list_funds": _api("/funds"),
    "api.show_fund": _api("/funds/test-fund"),
    "api.list_rounds": _api("/rounds"),
    "api.show_round": Rule(lambda w: f"/api/v1/rounds/{w['round_slug']}", EVERYONE),
    "api.list_grants": _api("/grants"),
    "api.list_voting_rounds": _api("/voting-rounds"),
    # 404 for everyone on an id that does not exist: reachable, nothing hidden by role.
    "api.show_voting_round": Rule("/api/v1/voting-rounds/999999", EVERYONE),
    "api.show_voting_results": Rule("/api/v1/voting-rounds/999999/results", EVERYONE),
}
