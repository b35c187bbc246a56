"""The draw protocol on its own: RFC conformance, Merkle proofs, golden record, tampering,
statistics."""

import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from contests.draw import merkle, protocol, rfc3797
from contests.draw.canonical import EntrantRecord, entrant_commit
from contests.draw.select import select
from contests.draw.verify import CheckFailed, verify

ROOT = Path(__file__).resolve().parent.parent

# --- RFC 3797, section 6 ----------------------------------------------------------------------
RFC_SOURCES = ["9319", "2 5 12 8 10", "9 18 26 34 41 45"]
RFC_DIGESTS = [
    "990DD0A5692A029A98B5E01AA28F3459",
    "3691E55CB63FCC37914430B2F70B5EC6",
    "FE814EDF564C190AC1D25753979990FA",
    "1863CCACEB568C31D7DDBDF1D4E91387",
    "F4AB33DF4889F0AF29C513905BE1D758",
    "13EAEB529F61ACFB9A29D0BA3A60DE4A",
    "992DB77C382CA2BDB9727001F3CDCCD9",
    "63AB4258ECA922976811C7F55C383CE7",
    "DFBC5AC97CED01B3A6E348E3CC63F40D",
    "31CB111C4A4EBE9287CEAE16FE51B909",
    "07FA46C122F164C215BBC72793B189A3",
]
#: The RFC's pool of 25 volunteers; its example selects Lee, Doc, Mary, Charity, Kasczynski...
RFC_POOL = [
    "John",
    "Mary",
    "Bashful",
    "Dopey",
    "Sleepy",
    "Grouchy",
    "Doc",
    "Sneazy",
    "Handsome",
    "Cassandra",
    "Pollyanna",
    "Pendragon",
    "Pandora",
    "Faith",
    "Hope",
    "Charity",
    "Lee",
    "Longsuffering",
    "Chastity",
    "Smith",
    "Pride",
    "Sloth",
    "Envy",
    "Anger",
    "Kasczynski",
]
RFC_SELECTED = [
    "Lee",
    "Doc",
    "Mary",
    "Charity",
    "Kasczynski",
    "Envy",
    "Sneazy",
    "Anger",
    "Chastity",
    "Pandora",
    "Sloth",
]


def test_rfc3797_key_string_and_digests():
    key = rfc3797.key_string(RFC_SOURCES)
    assert key == b"9319./2.5.8.10.12./9.18.26.34.41.45./"
    assert [rfc3797.digest(key, i).hex().upper() for i in range(len(RFC_DIGESTS))] == RFC_DIGESTS


def test_rfc3797_selection_matches_the_rfc_example():
    positions = rfc3797.select(RFC_SOURCES, 25, 11)
    assert [RFC_POOL[p - 1] for p in positions] == RFC_SELECTED


@pytest.mark.parametrize("sources", [["1 two 3"], [""], ["-4"]])
def test_rfc3797_refuses_bad_sources(sources):
    with pytest.raises(rfc3797.BadSource):
        rfc3797.key_string(sources)


# --- Merkle tree (RFC 6962) ------------------------------------------------------------------
def _mth(records):
    """The RFC 6962 definition, written recursively and independently of the streaming code."""
    if not records:
        return hashlib.sha256(b"").digest()
    if len(records) == 1:
        return hashlib.sha256(b"\x00" + records[0]).digest()
    k = 1
    while k * 2 < len(records):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(records[:k]) + _mth(records[k:])).digest()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 70])
def test_streamed_root_and_inclusion_proofs(n):
    records = [f"{i},1,{'a' * 64}".encode() for i in range(1, n + 1)]
    leaves = [merkle.leaf_hash(r) for r in records]
    root = merkle.root_from_leaf_hashes(iter(leaves))
    assert root == _mth(records)
    for index, record in enumerate(records):
        proof = merkle.inclusion_proof(leaves, index)
        assert merkle.verify_inclusion(record, index, n, proof, root)
        assert not merkle.verify_inclusion(record + b"x", index, n, proof, root)
        if n > 1:
            assert not merkle.verify_inclusion(record, (index + 1) % n, n, proof, root)


# --- a complete draw -------------------------------------------------------------------------
SECRET = "11" * 32


SECRET2 = "5e" * 32


def _spec(algorithm="vdraw-v1", alternates=3, prizes=((1, 1), (2, 2))):
    return {
        "protocol": "contests-draw",
        "version": 1,
        "algorithm": algorithm,
        "contest": {"id": 7, "slug": "noel-2026"},
        "prizes": [{"position": p, "title": f"Lot {p}", "quantity": q} for p, q in prizes],
        "alternates": alternates,
        "eligibility": "confirmed entries, not disqualified",
        "entropy_sources": [
            "EuroMillions of 2026-12-26, five main numbers",
            "EuroMillions of 2026-12-26, two stars",
        ],
        "commitment": protocol.commitment(SECRET),
        "closes_at": "2026-12-24T22:59:00+00:00",
    }


def _records(n=50, weights=None):
    return [
        EntrantRecord(
            i * 3 + 1, (weights or {}).get(i, 1), entrant_commit(bytes([i % 256]) * 16, f"id-{i}")
        )
        for i in range(n)
    ]


def _draw(algorithm="vdraw-v1", n=50):
    records = _records(n)
    entropy = ["3 14 25 36 47", "5 11"]
    record = protocol.build_record(
        _spec(algorithm),
        SECRET,
        entropy,
        (r.encode() for r in records),
        "2026-12-27T10:00:00+00:00",
        "contests 0.1.0",
    )
    return record, b"".join(r.encode() + b"\n" for r in records)


def test_golden_vdraw_v1_record():
    """Frozen values: a change here means every published draw would stop verifying."""
    record, entrant_file = _draw()
    assert record["spec_hash"] == GOLDEN["spec_hash"]
    assert record["entrants"]["merkle_root"] == GOLDEN["merkle_root"]
    assert record["seed"] == GOLDEN["seed"]
    assert [w["entry_id"] for w in record["winners"]] == GOLDEN["winners"]
    assert [a["entry_id"] for a in record["alternates"]] == GOLDEN["alternates"]
    assert [w["prize_position"] for w in record["winners"]] == [1, 2, 2]
    assert verify(record, entrant_file)


def test_rfc3797_mode_end_to_end():
    record, entrant_file = _draw("rfc3797", n=25)
    expected = rfc3797.select(record["entropy"], 25, 6)
    assert [w.get("position") for w in record["winners"] + record["alternates"]] == expected
    assert verify(record, entrant_file)


def test_selection_is_order_independent_and_bounded():
    seed = hashlib.sha256(b"seed").digest()
    pairs = [(i, 1 + i % 3) for i in range(1, 2000)]
    assert select(seed, iter(pairs), 10) == select(seed, iter(reversed(pairs)), 10)


def _tamper_cases():
    yield "spec.algorithm", lambda r: r["spec"].update(algorithm="rfc3797")
    yield "spec.prizes", lambda r: r["spec"]["prizes"][0].update(quantity=2)
    yield "spec.alternates", lambda r: r["spec"].update(alternates=4)
    yield "spec.entropy_sources", lambda r: r["spec"]["entropy_sources"].append("more")
    yield "spec_hash", lambda r: r.update(spec_hash="0" * 64)
    yield "server_secret", lambda r: r.update(server_secret="22" * 32)
    yield "entropy", lambda r: r["entropy"].__setitem__(0, "3 14 25 36 48")
    yield "seed", lambda r: r.update(seed="0" * 64)
    yield "entrants.count", lambda r: r["entrants"].update(count=49)
    yield "entrants.total_tickets", lambda r: r["entrants"].update(total_tickets=51)
    yield "entrants.merkle_root", lambda r: r["entrants"].update(merkle_root="0" * 64)
    yield "entrants.file_sha256", lambda r: r["entrants"].update(file_sha256="0" * 64)
    yield "winners order", lambda r: r["winners"].reverse()
    yield "winner id", lambda r: r["winners"][0].update(entry_id=r["winners"][0]["entry_id"] + 3)
    yield "winner key", lambda r: r["winners"][1].update(key="0" * 64)
    yield "alternate", lambda r: r["alternates"].pop()
    yield "protocol", lambda r: r.update(version=2)
    yield "drawn before the close", lambda r: r.update(drawn_at="2026-12-24T22:58:59+00:00")
    yield "drawn_at without offset", lambda r: r.update(drawn_at="2026-12-27T10:00:00")


@pytest.mark.parametrize("name, change", list(_tamper_cases()), ids=[n for n, _ in _tamper_cases()])
def test_any_tampered_field_fails(name, change, tmp_path, capsys):
    """The verifier itself says FAIL (exit 1), naming a check: a crash would prove nothing."""
    from contests.draw.verify import main

    record, entrant_file = _draw()
    change(record)
    (tmp_path / "record.json").write_text(json.dumps(record))
    (tmp_path / "entrants.txt").write_bytes(entrant_file)
    assert main([str(tmp_path / "record.json"), str(tmp_path / "entrants.txt")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL: ") and "malformed" not in out and "Traceback" not in out


def test_any_tampered_entrant_row_fails():
    record, entrant_file = _draw()
    lines = entrant_file.split(b"\n")[:-1]
    for index in range(len(lines)):
        for changed in (
            lines[index].replace(b",1,", b",2,"),
            lines[index][:-1] + (b"0" if lines[index][-1:] != b"0" else b"1"),
        ):
            altered = b"\n".join(lines[:index] + [changed] + lines[index + 1 :]) + b"\n"
            with pytest.raises(CheckFailed):
                verify(record, altered)
    for altered in (
        b"\n".join(lines[1:]) + b"\n",
        entrant_file + lines[0] + b"\n",
        entrant_file[:-1],
    ):
        with pytest.raises(CheckFailed):
            verify(record, altered)


def test_substitutions_take_alternates_in_order_and_are_verified():
    record, entrant_file = _draw()
    first_winner, second_winner = record["winners"][0]["entry_id"], record["winners"][2]["entry_id"]
    protocol.substitute(record, first_winner, "unclaimed", "2027-01-10T00:00:00+00:00")
    protocol.substitute(record, second_winner, "ineligible", "2027-01-11T00:00:00+00:00")
    current = protocol.current_winners(record)
    assert current[0]["entry_id"] == record["alternates"][0]["entry_id"]
    assert current[2]["entry_id"] == record["alternates"][1]["entry_id"]
    assert verify(record, entrant_file)
    skipped = copy.deepcopy(record)
    skipped["substitutions"][1]["by_entry_id"] = record["alternates"][2]["entry_id"]
    with pytest.raises(CheckFailed):
        verify(skipped, entrant_file)
    with pytest.raises(ValueError):
        protocol.substitute(
            record, first_winner, "again", "2027-01-12T00:00:00+00:00"
        )  # no longer a winner
    protocol.substitute(record, current[1]["entry_id"], "unclaimed", "2027-01-12T00:00:00+00:00")
    # No alternate left: the prize falls vacant, and the verifier replays that too.
    lost = current[0]["entry_id"]
    vacancy = protocol.substitute(record, lost, "unclaimed", "2027-01-13T00:00:00+00:00")[
        "substitutions"
    ][-1]
    assert vacancy["by_entry_id"] is None and vacancy["alternate_rank"] is None
    assert protocol.current_winners(record)[0]["entry_id"] is None
    assert protocol.vacancies(record) == [{"entry_id": lost, "prize_position": 1}]
    assert "1 prize(s) left vacant" in verify(record, entrant_file)[-1]
    jumped = copy.deepcopy(record)
    jumped["substitutions"][-1].update(
        by_entry_id=record["alternates"][0]["entry_id"], alternate_rank=1
    )
    with pytest.raises(CheckFailed):
        verify(jumped, entrant_file)  # an alternate used twice


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s[0].update(at="2026-12-27T09:59:59+00:00"), "dated before the draw"),
        (lambda s: s[1].update(at="2027-01-09T00:00:00+00:00"), "dated before the draw or before"),
        (lambda s: s[0].update(reason=""), "is not one the specification allows"),
        (lambda s: s[1].update(reason="changed my mind"), "is not one the specification allows"),
        (lambda s: s[0].update(at="yesterday"), "is not an ISO 8601"),
    ],
    ids=["backdated", "out of order", "empty reason", "unknown reason", "no date"],
)
def test_substitutions_out_of_time_or_without_a_listed_reason_fail(change, message):
    """Order of events (issue 14, item 3): the verifier replays the substitutions and checks their
    dates and reasons, not only which alternate they call."""
    record, entrant_file = _draw()
    protocol.substitute(
        record, record["winners"][0]["entry_id"], "unclaimed", "2027-01-10T00:00:00+00:00"
    )
    protocol.substitute(
        record, record["winners"][2]["entry_id"], "ineligible", "2027-01-11T00:00:00+00:00"
    )
    assert verify(record, entrant_file)
    change(record["substitutions"])
    with pytest.raises(CheckFailed, match=message):
        verify(record, entrant_file)


def test_a_weight_over_the_specification_maximum_fails():
    """An operator who gives one entrant more tickets and rebuilds a consistent record (root, seed,
    winners all recomputed) is caught: the specification allows one ticket each unless it says
    otherwise."""
    records = _records(50, weights={7: 40})
    entropy = ["3 14 25 36 47", "5 11"]
    lines = [r.encode() for r in records]
    record = protocol.build_record(
        _spec(), SECRET, entropy, iter(lines), "2026-12-27T10:00:00+00:00", "contests 0.1.0"
    )
    entrant_file = b"".join(line + b"\n" for line in lines)
    with pytest.raises(CheckFailed, match="holds 40 tickets, over the 1"):
        verify(record, entrant_file)
    spec = dict(_spec(), max_weight=40)  # a specification that announced it
    record = protocol.build_record(
        spec, SECRET, entropy, iter(lines), "2026-12-27T10:00:00+00:00", "contests 0.1.0"
    )
    assert "weights within the maximum" in verify(record, entrant_file)


def _supplementary(record, entrant_file, sources=("Loto of 2027-02-01: the five numbers",)):
    """A supplementary specification, record and entrant file for the parent's vacancies, built as
    the app does."""
    replaces = sorted(protocol.vacancies(record), key=lambda v: v["prize_position"])
    excluded = sorted(protocol.ranked_ids(record))
    titles = {p["position"]: p["title"] for p in record["spec"]["prizes"]}
    spec = {
        **_spec(alternates=1),
        "entropy_sources": list(sources),
        "commitment": protocol.commitment(SECRET2),
        "prizes": protocol.supplementary_prizes(replaces, titles),
        "eligibility": "the parent draw's entrant list, less the excluded entries",
        "supplementary": {
            "sequence": 2,
            "parent_draw": 1,
            "parent_spec_hash": record["spec_hash"],
            "parent_file_sha256": hashlib.sha256(entrant_file).hexdigest(),
            "replaces": replaces,
            "excluded": excluded,
        },
    }
    derived = protocol.derive_entrants(entrant_file, excluded)
    supplementary = protocol.build_record(
        spec,
        SECRET2,
        ["4 8 15 16 23"],
        protocol.FrozenList.from_file(derived),
        "2027-02-02T10:00:00+00:00",
        "contests 0.1.0",
    )
    return supplementary, derived


def test_supplementary_draw_fills_vacancies_from_the_parent_list_less_the_ranked():
    record, entrant_file = _draw()
    ranked = protocol.ranked_ids(record)
    for _ in range(6):  # 3 winners and 3 alternates: each one in turn does not claim
        current = next(w for w in protocol.current_winners(record) if w["entry_id"] is not None)
        protocol.substitute(record, current["entry_id"], "unclaimed", "2027-01-20T00:00:00+00:00")
    assert [w["entry_id"] for w in protocol.current_winners(record)] == [None, None, None]
    supplementary, derived = _supplementary(record, entrant_file)
    assert supplementary["spec"]["prizes"] == [
        {"position": 1, "title": "Lot 1", "quantity": 1},
        {"position": 2, "title": "Lot 2", "quantity": 2},
    ]
    assert len(derived.splitlines()) == 50 - len(ranked)
    new_winners = {w["entry_id"] for w in supplementary["winners"]} | {
        a["entry_id"] for a in supplementary["alternates"]
    }
    assert new_winners and not new_winners & ranked
    filled = protocol.filled_vacancies(supplementary["spec"], supplementary)
    assert [f["fills"] for f in filled] == [
        v["entry_id"] for v in supplementary["spec"]["supplementary"]["replaces"]
    ]
    assert [f["prize_position"] for f in filled] == [1, 2, 2]
    passed = verify(supplementary, derived, entrant_file)
    assert "entrant file is the parent's list less the excluded entries" in passed
    assert any("NOT checked" in check for check in verify(supplementary, derived))
    # A ranked entry slipped back into the list, or a parent file that is not the published one:
    first_ranked = next(
        line for line in entrant_file.splitlines() if int(line.split(b",")[0]) in ranked
    )
    sneaked = b"".join(
        sorted(
            derived.splitlines(keepends=True) + [first_ranked + b"\n"],
            key=lambda line: int(line.split(b",")[0]),
        )
    )
    with pytest.raises(CheckFailed, match="less the excluded"):
        verify(supplementary, sneaked, entrant_file)
    with pytest.raises(CheckFailed, match="parent entrant file"):
        verify(supplementary, derived, entrant_file[:-1] + b"0\n")
    with pytest.raises(CheckFailed, match="not a supplementary draw"):
        verify(record, entrant_file, entrant_file)
    wrong_prizes = copy.deepcopy(supplementary)
    wrong_prizes["spec"]["prizes"][0]["quantity"] = 2
    wrong_prizes["spec_hash"] = protocol.spec_hash(wrong_prizes["spec"])
    with pytest.raises(CheckFailed, match="vacancies it fills"):
        verify(wrong_prizes, derived, entrant_file)


def test_verifier_runs_as_a_separate_process_without_third_party_packages(tmp_path):
    record, entrant_file = _draw()
    (tmp_path / "record.json").write_text(json.dumps(record))
    (tmp_path / "entrants.txt").write_bytes(entrant_file)
    command = [
        sys.executable,
        "-S",
        "-m",
        "contests.draw.verify",
        str(tmp_path / "record.json"),
        str(tmp_path / "entrants.txt"),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("from 50 entrants") and "PASS" in result.stdout
    record["winners"][0]["entry_id"] += 3
    (tmp_path / "record.json").write_text(json.dumps(record))
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout.startswith("FAIL: winners differ")


def test_draw_package_imports_nothing_from_the_app():
    code = (
        "import sys, contests.draw.verify; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug')]; "
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]", result.stderr


# --- statistics with fixed seeds -------------------------------------------------------------
CHI2_CRITICAL_P001 = {3: 16.27, 9: 27.88}


def _chi2(observed, expected):
    return sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=False))


def test_uniform_over_entries():
    wins = [0] * 10
    for draw in range(3000):
        seed = hashlib.sha256(f"uniform-{draw}".encode()).digest()
        (winner,) = select(seed, ((i, 1) for i in range(10)), 1)
        wins[winner.entry_id] += 1
    assert _chi2(wins, [300] * 10) < CHI2_CRITICAL_P001[9], wins


def test_tickets_win_in_proportion():
    wins = [0] * 4
    for draw in range(4000):
        seed = hashlib.sha256(f"weighted-{draw}".encode()).digest()
        (winner,) = select(seed, ((i, i + 1) for i in range(4)), 1)  # weights 1, 2, 3, 4
        wins[winner.entry_id] += 1
    assert _chi2(wins, [400, 800, 1200, 1600]) < CHI2_CRITICAL_P001[3], wins


GOLDEN = {
    "spec_hash": "98c08dd1d84e7c22cedaaec483a40f4dfec12be09464f768beb3f08afe13e611",
    "merkle_root": "27973b2f1ccee566995b0fd76d3090aaa3900380f51902f39b3b7ce0247134a1",
    "seed": "ee7e3bdd3350039fa3625d1f6e3aa9c21eef1cc0660e42fcc6da379ca64ad1ea",
    "winners": [19, 112, 70],
    "alternates": [49, 28, 121],
}


def test_selection_equals_a_brute_force_sort_of_ticket_keys():
    """The streamed heap gives what sorting every ticket key by hand gives
    (docs/draw-protocol.md)."""
    import hmac
    import struct

    record, _ = _draw()
    seed = bytes.fromhex(record["seed"])
    keys = {}
    for r in _records():
        keys[r.entry_id] = min(
            hmac.new(
                seed,
                b"ticket" + struct.pack(">Q", r.entry_id) + struct.pack(">I", t),
                hashlib.sha256,
            ).digest()
            for t in range(r.weight)
        )
    by_hand = sorted(keys, key=lambda entry_id: (keys[entry_id], entry_id))[:6]
    assert [x["entry_id"] for x in record["winners"] + record["alternates"]] == by_hand


@pytest.mark.parametrize("seed_length", [0, 1, 32, 63, 64, 65, 200])
def test_ticket_keys_are_hmac_sha256(seed_length):
    """The pads hashed once per seed give exactly the standard library's HMAC, for any key
    length."""
    import hmac
    import struct

    from contests.draw.select import ticket_keys

    seed = hashlib.sha256(b"%d" % seed_length).digest() * 7
    seed = seed[:seed_length]
    key = ticket_keys(seed)
    for entry_id, ticket in ((0, 0), (1, 0), (41, 3), (2**64 - 1, 2**32 - 1)):
        assert (
            key(entry_id, ticket)
            == hmac.new(
                seed, b"ticket" + struct.pack(">QI", entry_id, ticket), hashlib.sha256
            ).digest()
        )


@pytest.mark.slow  # forks worker processes over lists of 2^17 entrants
def test_parallel_recompute_gives_what_one_core_gives(monkeypatch):
    """Forked workers (blocks of 2^16 leaves, ranges of the selection) change nothing in the
    result."""
    from contests.draw import parallel

    lines = [
        EntrantRecord(n, 3 if n % 11 == 0 else 1, hashlib.sha256(b"%d" % n).hexdigest()).encode()
        for n in range(1, 150_001)
    ]  # more than two blocks, a partial last one, some entries with tickets
    frozen = protocol.FrozenList.from_lines(lines)
    spec = _spec(alternates=5)
    one_core = protocol.recompute(spec, SECRET, ["7 19 23"], frozen, workers=1)
    monkeypatch.setattr(parallel, "THRESHOLD", 0)
    two_cores = protocol.recompute(spec, SECRET, ["7 19 23"], frozen, workers=2)
    assert two_cores == one_core
    summary, seed, ordered = one_core
    assert (
        summary["merkle_root"] == merkle.root_from_leaf_hashes(map(merkle.leaf_hash, lines)).hex()
    )
    reference = select(seed, zip(frozen.ids, frozen.weights, strict=False), len(ordered))
    assert [o["entry_id"] for o in ordered] == [s.entry_id for s in reference]
    # One ticket each: the C-level fast path, checked against the reference selection too.
    ones = protocol.FrozenList.from_lines(
        EntrantRecord(n, 1, "ab" * 32).encode() for n in range(1, 100_001)
    )
    _, seed, ordered = protocol.recompute(spec, SECRET, ["1"], ones, workers=2)
    assert [o["entry_id"] for o in ordered] == [
        s.entry_id for s in select(seed, ((n, 1) for n in ones.ids), len(ordered))
    ]
    assert [o["key"] for o in ordered] == [
        s.key.hex() for s in select(seed, ((n, 1) for n in ones.ids), len(ordered))
    ]


@pytest.mark.slow  # forks worker processes over lists of 2^17 entrants
def test_entrant_file_read_by_the_workers_is_checked_line_by_line(monkeypatch):
    """A large file is checked by the forked workers: same result, and a bad line is named."""
    from contests.draw import parallel
    from contests.draw.canonical import MalformedEntrantFile

    monkeypatch.setattr(parallel, "THRESHOLD", 0)
    lines = [EntrantRecord(n, 1, "cd" * 32).encode() for n in range(1, 140_001)]
    data = b"\n".join(lines) + b"\n"
    spec = _spec()
    from_file = protocol.recompute(
        spec, SECRET, ["5"], protocol.FrozenList.from_file(data), workers=2
    )
    assert from_file == protocol.recompute(
        spec, SECRET, ["5"], protocol.FrozenList.from_lines(lines), workers=1
    )
    broken = lines[:]
    broken[100_000] = broken[100_000].replace(b",1,", b",01,")
    with pytest.raises(MalformedEntrantFile, match="line 100001"):
        protocol.recompute(
            spec,
            SECRET,
            ["5"],
            protocol.FrozenList.from_file(b"\n".join(broken) + b"\n"),
            workers=2,
        )
    swapped = lines[:]
    swapped[70_000], swapped[70_001] = swapped[70_001], swapped[70_000]
    with pytest.raises(
        MalformedEntrantFile, match="line 70002: entry ids must be strictly increasing"
    ):
        protocol.recompute(
            spec,
            SECRET,
            ["5"],
            protocol.FrozenList.from_file(b"\n".join(swapped) + b"\n"),
            workers=2,
        )


@pytest.mark.slow  # forks worker processes over lists of 2^17 entrants
def test_a_list_frozen_earlier_is_read_and_drawn_in_one_pass_with_the_same_result(monkeypatch):
    """The draw of a list frozen at the close (its root known) reads ids and weights by splitting
    the lines and selects in the same pass: the result is the one a full recompute gives, and a
    line that does not read as numbers is still named by the strict reading."""
    from contests.draw import parallel
    from contests.draw.canonical import MalformedEntrantFile

    monkeypatch.setattr(parallel, "THRESHOLD", 0)
    read_in_one_pass = []
    one_pass = parallel._read_frozen

    def spied(*args):
        read_in_one_pass.append(one_pass(*args))
        return read_in_one_pass[-1]

    monkeypatch.setattr(parallel, "_read_frozen", spied)
    lines = [
        EntrantRecord(n, 2 if n % 7 == 0 else 1, hashlib.sha256(b"%d" % n).hexdigest()).encode()
        for n in range(3, 130_003)
    ]
    data = b"\n".join(lines) + b"\n"
    spec = _spec(alternates=4)
    full = protocol.recompute(spec, SECRET, ["9"], protocol.FrozenList.from_file(data), workers=2)
    root = bytes.fromhex(full[0]["merkle_root"])
    for workers in (1, 2):
        known = protocol.FrozenList.from_file(data)
        assert (
            protocol.recompute(spec, SECRET, ["9"], known, workers=workers, known_root=root) == full
        )
        assert list(known.ids) == list(range(3, 130_003))
    assert len(read_in_one_pass) == 2  # the one-pass reading served both, without falling back
    broken = lines[:]
    broken[90_000] = broken[90_000].replace(b",", b",x", 1)
    with pytest.raises(MalformedEntrantFile, match="line 90001"):
        protocol.recompute(
            spec,
            SECRET,
            ["9"],
            protocol.FrozenList.from_file(b"\n".join(broken) + b"\n"),
            workers=2,
            known_root=root,
        )


@pytest.mark.slow  # forks worker processes over lists of 2^17 entrants
def test_a_list_streamed_in_chunks_is_hashed_as_the_whole_file(monkeypatch):
    """The database streams the entrant file in chunks of BLOCK lines, each hashed by a worker as
    it arrives: same root, selection and receipt index as the whole file; a bad line is named
    with its number in the list; only the last chunk may be short."""
    from contests.draw import lookup, parallel
    from contests.draw.canonical import MalformedEntrantFile

    lines = [
        EntrantRecord(n, 3 if n % 13 == 0 else 1, hashlib.sha256(b"%d" % n).hexdigest()).encode()
        for n in range(1, 140_001)
    ]
    data = b"\n".join(lines) + b"\n"
    block = parallel.BLOCK

    def chunks(lines):
        for at in range(0, len(lines), block):
            yield b"\n".join(lines[at : at + block]) + b"\n"

    spec = _spec(alternates=3)
    whole = protocol.FrozenList.from_file(data)
    expected = protocol.recompute(spec, SECRET, ["2"], whole, workers=1)
    streamed = protocol.FrozenList.from_chunks(chunks(lines))
    assert protocol.recompute(spec, SECRET, ["2"], streamed, workers=2) == expected
    assert streamed.file_bytes() == data and len(streamed) == 140_000
    assert lookup.build_index(streamed.ids, streamed.sub_roots, streamed.sub_sizes) == (
        lookup.build_index(whole.ids, whole.sub_roots, whole.sub_sizes)
    )
    broken = lines[:]
    broken[100_000] = broken[100_000].replace(b",1,", b",01,")
    with pytest.raises(MalformedEntrantFile, match="line 100001"):
        protocol.recompute(spec, SECRET, ["2"], protocol.FrozenList.from_chunks(chunks(broken)))
    first = next(chunks(lines))
    short, rest = (b"\n".join(part) + b"\n" for part in (lines[block:-10], lines[-10:]))
    with pytest.raises(ValueError, match="only the last chunk"):
        parallel.streamed_root_and_selection([first, short, rest], lambda root: b"", 1, workers=2)
