"""synceng's pytest plugin and ``mock_ews`` (issue 15, items 1 and 2), tried as a user
would: test files run by pytest's own ``pytester`` with the plugin loaded from its
entry point, the README's examples among them, word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from exchangelib import DELEGATE, Account, Configuration, Credentials

from mockad.mock import mock_directory
from mockews.mock import mock_ews

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example(name: str) -> str:
    """The README's Python block that starts with ``# <name>``."""
    for block in re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        if block.startswith(f"# {name}\n"):
            return str(block)
    raise AssertionError(f"README.md has no python block starting with '# {name}'")


@pytest.mark.parametrize("name", ["test_with_the_plugin.py", "test_with_mock_ews.py"])
def test_the_readme_examples_pass_as_written(pytester: pytest.Pytester, name: str) -> None:
    pytester.makepyfile(**{name[:-3]: readme_example(name)})
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_the_marker_picks_profile_seed_and_transport(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        SEEN = {}

        @pytest.mark.synceng(profile="tiny", seed=5)
        def test_a(mock_exchange):
            SEEN["a"] = sorted(mock_exchange.world.mailboxes)
            assert len(SEEN["a"]) == 4 and mock_exchange.ews_url.startswith("https://")

        @pytest.mark.synceng(profile="tiny", seed=5)
        def test_same_seed_same_tenant(mock_exchange):
            assert sorted(mock_exchange.world.mailboxes) == SEEN["a"]

        @pytest.mark.synceng(profile="tiny", seed=6)
        def test_another_seed_another_tenant(mock_exchange):
            assert sorted(mock_exchange.world.mailboxes) != SEEN["a"]

        def test_no_marker_an_empty_world(mock_exchange):
            assert mock_exchange.world.mailboxes == {}

        @pytest.mark.synceng(transport="http")
        def test_over_a_real_port(mock_exchange, mock_directory):
            assert mock_exchange.ews_url.startswith("http://127.0.0.1:")
            account = mock_exchange.account("bob@contoso.example")
            assert account.inbox.total_count == 0
            assert mock_directory.graph_url == mock_exchange.ews_url.replace("/EWS/Exchange.asmx", "/v1.0")

        @pytest.mark.synceng(transport="pigeon")
        def test_a_wrong_transport_is_named(mock_exchange):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(["*transport must be 'inprocess' or 'http', not 'pigeon'*"])


def test_the_marker_takes_a_population_file(pytester: pytest.Pytester) -> None:
    pytester.mkdir("data")
    pytester.makefile(
        ".yaml",
        **{
            "data/legal": """
        name: legal
        seed: 3
        mailboxes:
          - address: ann.lee@contoso.example
            folders: [inbox/Matters]
            messages:
              - {subject: Engagement letter, folder: inbox/Matters, from: bo@fabrikam.example,
                 received: 2024-05-02T08:15:00Z}
        """
        },
    )
    pytester.makepyfile(
        **{
            "data/test_beside": """
        import pytest

        @pytest.mark.synceng(population="legal.yaml")  # found beside the test module
        def test_a_file_beside_the_test(mock_exchange):
            assert list(mock_exchange.world.mailboxes) == ["ann.lee@contoso.example"]
        """
        }
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synceng(population="data/legal.yaml")  # or from where pytest runs
        def test_the_file_is_the_world(mock_exchange):
            ann = mock_exchange.account("ann.lee@contoso.example", as_user="qa@contoso.example")
            [letter] = list((ann.inbox / "Matters").all())
            assert letter.subject == "Engagement letter" and letter.sender.email_address == "bo@fabrikam.example"
            assert list(mock_exchange.world.mailboxes) == ["ann.lee@contoso.example"]

        @pytest.mark.synceng(population="tiny")
        def test_a_builtin_population_by_name(mock_exchange):
            assert len(mock_exchange.world.mailboxes) == 4

        @pytest.mark.synceng(population="nowhere.yaml")
        def test_a_missing_file_is_named(mock_exchange):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*synceng marker: nowhere.yaml: no such file, and not a built-in population*"])


def test_the_testbed_fixture_replicates_a_mailbox_when_the_clock_is_advanced(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from mockews.store.loader import new_message

        HOURLY = {"kind": "daily", "times": {"mode": "many", "start": "00:00", "end": "23:00", "interval_minutes": 60}}

        def test_an_hour(exchange_testbed):
            bed = exchange_testbed
            box = bed.world.provision_mailbox("alice@contoso.example", "Alice", password="pw")
            for n in range(3):
                new_message(box, box.well_known("inbox"), subject=f"m{n}", message_id=f"<m{n}@x>", sent=bed.clock.now())
            site = bed.site("LON")
            task = bed.task(site, "mfr", {"kind": "single_mailbox", "address": "alice@contoso.example"}, HOURLY)
            bed.advance(3600)
            assert len(bed.view("alice@contoso.example")["Inbox"]) == 3
            assert bed.task_view(task)["information"]["sequence"] == 1
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_mock_ews_reaches_the_mock_by_server_or_endpoint_and_resets_per_block() -> None:
    with mock_ews(seed=4) as ews:
        ews.world.provision_mailbox("alice@contoso.example", password="pw")
        by_server = Configuration(server="mail.contoso.example", credentials=Credentials("alice@contoso.example", "pw"))
        account = Account("alice@contoso.example", config=by_server, access_type=DELEGATE, autodiscover=False)
        assert account.inbox.total_count == 0
    with mock_ews(seed=4) as ews:
        assert ews.world.mailboxes == {}  # a fresh world: nothing of the last block
        ews.world.provision_mailbox("bob@contoso.example", password="pw")
        endpoint = Configuration(
            service_endpoint="https://exchange.fabrikam.example/EWS/Exchange.asmx",
            credentials=Credentials("bob@contoso.example", "pw"),
        )
        account = Account("bob@contoso.example", config=endpoint, access_type=DELEGATE, autodiscover=False)
        assert account.inbox.total_count == 0
    # outside a block nothing is routed: the made-up host is not reached
    with pytest.raises(requests.ConnectionError):
        requests.get("https://mail.contoso.example/EWS/Exchange.asmx", timeout=2)


def test_blocks_do_not_nest_and_say_so() -> None:
    with mock_ews(), pytest.raises(RuntimeError, match="do not nest"), mock_directory():
        pass
    with mock_ews() as ews:  # the refused block left the first one's routing intact, then released
        assert ews.world.mailboxes == {}


def test_the_same_seed_gives_the_same_world() -> None:
    ids = []
    for _ in range(2):
        with mock_ews(seed=9) as ews:
            box = ews.world.provision_mailbox("carol@contoso.example")
            ids.append(box.well_known("inbox").id)
    assert ids[0] == ids[1]


def test_mock_directory_answers_graph_through_requests() -> None:
    @mock_directory(seed=2)
    def listed(directory: object = None) -> list[str]:
        from mockad.mock import MockGraph

        assert isinstance(directory, MockGraph)
        directory.world.provision_mailbox("dave@contoso.example")
        form = {
            "grant_type": "client_credentials",
            "client_id": directory.client_id,
            "client_secret": directory.client_secret,
            "scope": "https://graph.microsoft.com/.default",
        }
        token = requests.post(directory.token_url, data=form, timeout=5).json()["access_token"]
        users = requests.get(f"{directory.graph_url}/users", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        return [u["mail"] for u in users.json()["value"]]

    assert listed() == ["dave@contoso.example"]
