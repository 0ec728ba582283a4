"""A real gridbox, driven by DiracX's own Python client and `dirac` CLI (diracx 0.7.0).

Each box is `gridbox up --json` in a subprocess, once over HTTP and once with `--tls`,
trusted only through the ready line's `ca_bundle`. Users sign in through the box's
identity provider page, scripted here as a person would fill it in.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
DIRAC = Path(sys.executable).parent / "dirac"
# Generous: the box migrates its databases and generates its CA before the ready line.
BOX_START_TIMEOUT_S = 120
CLI_TIMEOUT_S = 120


@dataclass
class Box:
    mode: str
    url: str
    ca_bundle: str | None
    users: list[dict]
    workdir: Path
    process: subprocess.Popen
    env: dict[str, str] = field(default_factory=dict)

    def user(self, *, group_suffix: str) -> dict:
        """The first fixture user who belongs to their VO's `<vo>_<group_suffix>` group."""
        for user in self.users:
            if f"{user['vo']}_{group_suffix}" in user["groups"]:
                return user
        raise LookupError(f"no fixture user in a *_{group_suffix} group")

    def verify(self) -> ssl.SSLContext | bool:
        return ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else True


def start_box(mode: str, workdir: Path) -> Box:
    args = ["node", str(ROOT / "bin" / "gridbox.js"), "up", "--json", "--port", "0"]
    args += ["--log-level", "warn", "--ca-dir", str(workdir / "ca")]
    if mode == "tls":
        args.append("--tls")
    log = open(workdir / "box.log", "w")
    process = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GRIDBOX_")},
    )
    # A box that never answers is killed, which ends the readline below.
    watchdog = threading.Timer(BOX_START_TIMEOUT_S, process.kill)
    watchdog.start()
    try:
        line = process.stdout.readline()
    finally:
        watchdog.cancel()
    if not line:
        raise RuntimeError(f"gridbox up printed no ready line:\n{(workdir / 'box.log').read_text()}")
    ready = json.loads(line)
    return Box(mode, ready["url"], ready["ca_bundle"], ready["users"], workdir, process)


def stop_box(box: Box) -> None:
    box.process.send_signal(signal.SIGTERM)
    try:
        assert box.process.wait(timeout=60) == 0
    except subprocess.TimeoutExpired:
        box.process.kill()
        box.process.wait()
        raise


@pytest.fixture(scope="session", params=["http", "tls"])
def box(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"box-{request.param}")
    started = start_box(request.param, workdir)
    started.env = {
        "DIRACX_URL": started.url,
        "DIRACX_CREDENTIALS_PATH": str(workdir / "credentials.json"),
    }
    if started.ca_bundle:
        # DIRACX_CA_PATH for the client; SSL_CERT_FILE for diracx.api's own HTTP client.
        started.env["DIRACX_CA_PATH"] = started.ca_bundle
        started.env["SSL_CERT_FILE"] = started.ca_bundle
    yield started
    stop_box(started)


def use_identity(box: Box, credentials: Path | None = None) -> None:
    """Points DiracX's preferences (read once and cached) at this box and credentials file."""
    from diracx.core.preferences import get_diracx_preferences

    for name in ("DIRACX_CA_PATH", "SSL_CERT_FILE"):
        os.environ.pop(name, None)
    os.environ.update(box.env)
    if credentials is not None:
        os.environ["DIRACX_CREDENTIALS_PATH"] = str(credentials)
    get_diracx_preferences.cache_clear()


def browser_login(
    start_url: str, username: str, password: str, verify, stop_at: str | None = None
) -> httpx.Response:
    """What a person does in a browser: follow redirects, fill in the sign-in form once.

    With `stop_at`, the redirect to a URL starting with it is returned, not followed.
    """
    with httpx.Client(verify=verify, follow_redirects=False, timeout=60) as http:
        url, method, data, submitted = start_url, "GET", None, False
        for _ in range(20):
            response = http.request(method, url, data=data)
            if response.is_redirect:
                url = str(response.url.join(response.headers["location"]))
                if stop_at is not None and url.startswith(stop_at):
                    return response
                method, data = "GET", None
                continue
            form = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', response.text, re.I)
            if form is None or 'name="password"' not in response.text:
                return response
            assert not submitted, f"the identity provider refused {username}'s password"
            url = str(response.url.join(html.unescape(form.group(1))))
            method, data, submitted = "POST", {"username": username, "password": password}, True
        raise AssertionError(f"the sign-in did not finish in 20 steps (last at {url})")


def run_dirac(box: Box, *args: str, credentials: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **box.env, "PYTHONUNBUFFERED": "1"}
    if credentials is not None:
        env["DIRACX_CREDENTIALS_PATH"] = str(credentials)
    return subprocess.run(
        [str(DIRAC), *args], env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S
    )


def dirac_login(box: Box, user: dict, credentials: Path) -> str:
    """`dirac login VO`, with the verification page completed as the user."""
    env = {**os.environ, **box.env, "PYTHONUNBUFFERED": "1", "DIRACX_CREDENTIALS_PATH": str(credentials)}
    process = subprocess.Popen(
        [str(DIRAC), "login", user["vo"]], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    watchdog = threading.Timer(CLI_TIMEOUT_S, process.kill)
    watchdog.start()
    try:
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("Now go to:"):
                page = browser_login(
                    line.split(":", 1)[1].strip(), user["username"], user["password"], box.verify()
                )
                # A flow the box could not complete never ends the CLI's polling: fail now.
                if page.status_code >= 400:
                    process.kill()
                    raise AssertionError(f"the sign-in ended with {page.status_code}: {page.text}")
                break
        rest, _ = process.communicate()
    finally:
        watchdog.cancel()
    output = "".join(seen) + rest
    assert process.returncode == 0, output
    return output


@pytest.fixture(scope="session")
def user_credentials(box: Box) -> Path:
    """A normal user logged in with `dirac login` (the CLI's device flow)."""
    credentials = box.workdir / "credentials.json"
    output = dirac_login(box, box.user(group_suffix="user"), credentials)
    assert "Login successful!" in output
    return credentials


@pytest.fixture
def as_user(box: Box, user_credentials: Path) -> Path:
    use_identity(box, user_credentials)
    return user_credentials
