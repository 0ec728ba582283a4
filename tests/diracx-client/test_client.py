"""DiracX 0.7.0's client, API helpers and CLI against a real gridbox, over HTTP and TLS."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotModifiedError
from diracx.api.jobs import create_sandbox, download_sandbox
from diracx.client.aio import AsyncDiracClient
from diracx.client.models import DeviceFlowErrorResponse
from diracx.client.patches.client.common import refresh_token
from diracx.core.utils import read_credentials, write_credentials

from conftest import Box, browser_login, run_dirac, use_identity


def run(coroutine):
    return asyncio.run(coroutine)


def with_headers(_response, body, headers):
    return body, headers


def with_raw(pipeline_response, body, _headers):
    return body, pipeline_response.http_response


def now() -> str:
    return datetime.now(tz=timezone.utc).isoformat()


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def submit(api: AsyncDiracClient, *jdls: str) -> list[int]:
    return [job.job_id for job in await api.jobs.submit_jdl_jobs(list(jdls))]


def test_login_and_whoami_with_the_cli(box: Box, as_user: Path):
    whoami = run_dirac(box, "whoami")
    assert whoami.returncode == 0, whoami.stdout + whoami.stderr
    info = json.loads(whoami.stdout)
    user = box.user(group_suffix="user")
    assert info["vo"] == user["vo"]
    assert info["preferred_username"] == user["username"]
    assert info["dirac_group"] == f"{user['vo']}_user"


def test_well_known_documents(box: Box, as_user: Path):
    async def go():
        async with AsyncDiracClient() as api:
            metadata = await api.well_known.get_installation_metadata()
            assert box.user(group_suffix="user")["vo"] in metadata.virtual_organizations
            openid = await api.well_known.get_openid_configuration()
            assert openid.token_endpoint.startswith(box.url)
            assert "Contact:" in await api.well_known.get_security_txt()

    run(go())


def test_config_with_etag(box: Box, as_user: Path):
    async def go():
        async with AsyncDiracClient() as api:
            config, response = await api.config.serve_config(cls=with_raw)
            assert box.user(group_suffix="user")["vo"] in config["Registry"]
            etag = response.headers["ETag"]
            # azure-core would quote the tag (`etag=`); DiracX compares it unquoted, as sent.
            with pytest.raises(ResourceNotModifiedError):
                await api.config.serve_config(headers={"If-None-Match": etag})

    run(go())
    dumped = run_dirac(box, "config", "dump")
    assert dumped.returncode == 0, dumped.stdout + dumped.stderr
    assert "Registry" in dumped.stdout


def test_submit_search_summary_and_paging(box: Box, as_user: Path):
    tag = uuid.uuid4().hex[:8]

    async def go():
        async with AsyncDiracClient() as api:
            single = await submit(api, f'Executable = "echo"; JobName = "single-{tag}";')
            bulk = await submit(api, *[f'Executable = "echo"; JobName = "bulk-{tag}";'] * 3)
            parametric = await submit(
                api,
                f'Executable = "echo"; JobName = "param-{tag}"; Arguments = "%s"; '
                'Parameters = {"a", "b", "c", "d"};',
            )
            assert len(single) == 1 and len(bulk) == 3 and len(parametric) == 4
            mine = [{"parameter": "JobName", "operator": "like", "value": f"%-{tag}"}]
            everything = await api.jobs.search(
                parameters=["JobID", "JobName", "Status"], search=mine,
                sort=[{"parameter": "JobID", "direction": "asc"}],
            )
            assert [row["JobID"] for row in everything] == single + bulk + parametric
            page, headers = await api.jobs.search(
                parameters=["JobID"], search=mine, page=2, per_page=3,
                sort=[{"parameter": "JobID", "direction": "asc"}], cls=with_headers,
            )
            assert [row["JobID"] for row in page] == bulk[2:] + parametric[:2]
            assert headers["Content-Range"] == "jobs 3-5/8"
            summary = await api.jobs.summary(grouping=["JobName"], search=mine)
            counts = {row["JobName"]: row["count"] for row in summary}
            assert counts[f"bulk-{tag}"] == 3 and counts[f"param-{tag}"] == 4
            # Nothing asked: the client sends an empty search.
            assert len(await api.jobs.search(per_page=1)) == 1

    run(go())

    jdl = box.workdir / f"cli-{tag}.jdl"
    jdl.write_text(f'Executable = "echo"; JobName = "cli-{tag}";')
    submitted = run_dirac(box, "jobs", "submit", str(jdl))
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    assert submitted.stdout.startswith("Inserted 1 jobs with ids:")
    found = run_dirac(
        box, "jobs", "search", "--parameter", "JobName", "--condition", f"JobName eq cli-{tag}"
    )
    assert found.returncode == 0, found.stdout + found.stderr
    assert f"cli-{tag}" in found.stdout


def test_status_heartbeat_reschedule_and_metadata(box: Box, as_user: Path):
    async def go():
        async with AsyncDiracClient() as api:
            [job] = await submit(api, 'Executable = "echo"; JobName = "lifecycle";')
            running = await api.jobs.set_job_statuses(
                {str(job): {now(): {"Status": "Running", "Source": "JobWrapper"}}}, force=True
            )
            assert running.success[str(job)].status == "Running"
            await api.jobs.add_heartbeat({str(job): {"LoadAverage": 1.5, "Vsize": 1000.0}})
            rescheduled = await api.jobs.reschedule_jobs({"job_ids": [job]})
            success = rescheduled["success"][str(job)]
            assert success["Status"] == "Received" and success["RescheduleCounter"] == 1
            assert "Executable" in success["InputData"]
            await api.jobs.patch_metadata({job: {"Site": "ANY", "HostName": "wn001"}})
            with pytest.raises(HttpResponseError) as refused:
                await api.jobs.patch_metadata({job: {"UserPriority": 5}})
            assert refused.value.status_code == 400
            killed = await api.jobs.set_job_statuses({str(job): {now(): {"Status": "Killed"}}})
            assert killed.success[str(job)].status == "Killed"
            [row] = await api.jobs.search(
                parameters=["Status"], search=[{"parameter": "JobID", "operator": "eq", "value": job}]
            )
            assert row["Status"] == "Killed"

    run(go())


def test_sandboxes_up_and_down(box: Box, as_user: Path, tmp_path: Path):
    source = tmp_path / "input.txt"
    source.write_text(f"sandbox of the {box.mode} box\n")

    async def go():
        pfn = await create_sandbox([source])
        assert pfn.startswith("SB:")
        async with AsyncDiracClient() as api:
            [job] = await submit(api, f'Executable = "cat"; InputSandbox = {{"{pfn}"}};')
            # As in DiracX 0.7.0, submission links no sandbox: the listing is empty.
            assert await api.jobs.get_job_sandboxes(job) == {"Input": [], "Output": []}
            # The generated client sends a str body as it is, under a JSON content type; the
            # PFN must be JSON-encoded by the caller (as for DiracX's server too).
            await api.jobs.assign_sandbox_to_job(job, json.dumps(pfn))
            [output] = await api.jobs.get_job_sandbox(job, "output")
            assert output == pfn.split("|", 1)[1]
        # The stored PFN a lookup returns downloads like the full one.
        await download_sandbox(output, tmp_path / "out")

    run(go())
    assert (tmp_path / "out" / "input.txt").read_text() == source.read_text()


def test_rss(box: Box, as_user: Path):
    vo = box.user(group_suffix="user")["vo"]

    async def go():
        async with AsyncDiracClient() as api:
            for get in (api.rss.get_site_status, api.rss.get_storage_status,
                        api.rss.get_compute_status, api.rss.get_fts_status):
                statuses, response = await get(cls=with_raw)
                assert isinstance(statuses, dict)
                assert response.headers["Vary"] == "Authorization"
                etag = response.headers["ETag"]
                assert etag.endswith(f"-{vo}")
                with pytest.raises(ResourceNotModifiedError):
                    await get(headers={"If-None-Match": etag})

    run(go())


def test_pilots_with_an_administrator(box: Box, as_user: Path):
    admin = box.user(group_suffix="admin")
    credentials = box.workdir / "admin-credentials.json"
    use_identity(box, credentials)
    stamp = uuid.uuid4().hex[:16]

    async def go():
        # The client's own device flow, completed on the IdP's page.
        async with AsyncDiracClient() as api:
            flow = await api.auth.initiate_device_flow(
                client_id=api.client_id, scope=f"vo:{admin['vo']} group:{admin['vo']}_admin"
            )
            page = await asyncio.to_thread(
                browser_login, flow.verification_uri_complete, admin["username"],
                admin["password"], box.verify(),
            )
            assert page.status_code == 200, page.text
            token = await api.auth.get_oidc_token(device_code=flow.device_code, client_id=api.client_id)
            assert not isinstance(token, DeviceFlowErrorResponse), token
            write_credentials(token, location=credentials)
        async with AsyncDiracClient() as api:
            await api.pilots.register_pilot(pilot_stamp=stamp, vo=admin["vo"])
            await api.pilots.update_pilot_metadata({stamp: {"BenchMark": 1.5}})
            rows = await api.pilots.search(
                parameters=["PilotStamp", "VO"],
                search=[{"parameter": "PilotStamp", "operator": "eq", "value": stamp}],
            )
            assert rows == [{"PilotStamp": stamp, "VO": admin["vo"]}]
            summary = await api.pilots.summary(grouping=["VO"])
            assert {row["VO"] for row in summary} == {admin["vo"]}

    run(go())


def test_authorization_code_flow(box: Box, as_user: Path):
    user = box.user(group_suffix="user")
    # The box's own API docs page is always an allowed redirect.
    redirect = f"{box.url}/api/docs/oauth2-redirect"
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = urlencode({
        "response_type": "code", "code_challenge": challenge.decode(),
        "code_challenge_method": "S256", "client_id": "myDIRACClientID",
        "redirect_uri": redirect, "scope": f"vo:{user['vo']}", "state": "st",
    })
    landed = browser_login(
        f"{box.url}/api/auth/authorize?{query}", user["username"], user["password"],
        box.verify(), stop_at=redirect,
    )
    assert landed.is_redirect, landed.text
    params = parse_qs(urlparse(landed.headers["location"]).query)
    assert params["state"] == ["st"]
    with httpx.Client(verify=box.verify()) as http:
        token = http.post(f"{box.url}/api/auth/token", data={
            "grant_type": "authorization_code", "client_id": "myDIRACClientID",
            "code": params["code"][0], "redirect_uri": redirect, "code_verifier": verifier,
        })
    assert token.status_code == 200, token.text
    assert claims(token.json()["access_token"])["vo"] == user["vo"]


def test_refresh_and_revoke(box: Box, as_user: Path):
    async def go():
        async with AsyncDiracClient() as api:
            openid = await api.well_known.get_openid_configuration()
            credentials = read_credentials(as_user)
            rotated = refresh_token(
                openid.token_endpoint, api.client_id, credentials.refresh_token, verify=box.verify()
            )
            assert claims(rotated.access_token)["vo"] == box.user(group_suffix="user")["vo"]
            write_credentials(rotated, location=as_user)
            tokens = await api.auth.get_refresh_tokens()
            mine = claims(rotated.refresh_token)["jti"]
            # DiracX 0.7.0 lists the status as its enum's integer (1: created).
            assert [row["Status"] for row in tokens if row["JTI"] == mine] == [1]

    run(go())
    # `dirac logout` revokes the stored refresh token at /api/auth/revoke.
    logout = run_dirac(box, "logout")
    assert logout.returncode == 0, logout.stdout + logout.stderr
    assert "Error revoking" not in logout.stdout
    assert not as_user.exists()
