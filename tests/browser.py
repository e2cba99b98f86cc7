"""Open a local HTML file in headless Chromium over the DevTools protocol: its text, console errors, requests, attributes, screenshot, PDF.

Standard library plus ``websocket-client``; no Node, no downloaded browser:
the Debian package ``chromium`` (``.ci/run`` installs it when missing).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,1600",
    "--remote-debugging-port=0",
)
TIMEOUT = 60.0
"""Seconds to wait for the browser and for a page to load."""
_ATTRIBUTES = """Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)
  .filter(a => a.localName === 'src' || a.localName === 'href').map(a => a.value))"""
"""Every src and href attribute's value, xlink:href of the SVG included."""


def chromium() -> str:
    """The Chromium binary; skipped with the reason when it is missing, unless CI (``CI`` or ``COOPSIM_REQUIRE_BROWSER``) requires it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    why = "chromium is not installed (apt-get install -y chromium; .ci/run installs it)"
    if os.environ.get("CI") or os.environ.get("COOPSIM_REQUIRE_BROWSER"):
        pytest.fail(f"{why}, and CI requires the browser tests")
    pytest.skip(f"{why}; set COOPSIM_REQUIRE_BROWSER=1 to make this a failure")


@dataclass
class Loaded:
    """What the browser saw of a page."""

    text: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    pdf: bytes = b""


class _Session:
    """One page's DevTools connection: commands answered by id, events kept."""

    def __init__(self, url: str):
        import websocket

        self.ws = websocket.create_connection(url, timeout=TIMEOUT, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {TIMEOUT:.0f} s")
            self.events.append(json.loads(self.ws.recv()))


def open_page(path: Path, css_page_size: bool = False) -> Loaded:
    """Load ``path`` in a fresh headless Chromium and return what it saw; with ``css_page_size`` the PDF takes the page's ``@page`` size."""
    binary = chromium()
    # its own process group, so that the helpers it starts (renderer, crash handler) are stopped with it before its
    # profile folder is removed: a helper still writing there made the removal fail ("Directory not empty")
    with tempfile.TemporaryDirectory(prefix="coopsim-chromium-") as profile:
        browser = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            port = _devtools_port(browser)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT) as answer:
                target = next(t for t in json.load(answer) if t["type"] == "page")
            page = _Session(target["webSocketDebuggerUrl"])
            for domain in ("Page", "Runtime", "Log", "Network"):
                page.call(f"{domain}.enable")
            page.call("Page.navigate", url=path.resolve().as_uri())
            page.wait_for("Page.loadEventFired")
            text = page.call("Runtime.evaluate", expression="document.body.innerText", returnByValue=True)["result"]["value"]
            attributes = page.call("Runtime.evaluate", expression=_ATTRIBUTES, returnByValue=True)["result"]["value"]
            shot = page.call("Page.captureScreenshot", format="png")["data"]
            pdf = page.call("Page.printToPDF", printBackground=True, preferCSSPageSize=css_page_size)["data"]
            page.ws.close()
        finally:
            _stop_group(browser)
    loaded = Loaded(text=text, attributes=attributes, screenshot=base64.b64decode(shot), pdf=base64.b64decode(pdf))
    for event in page.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            loaded.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            loaded.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            loaded.errors.append(params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            loaded.requests.append(params["request"]["url"])
    return loaded


def _stop_group(browser: subprocess.Popen) -> None:
    """Kill Chromium and every process of its group, and wait until none is left."""
    try:
        os.killpg(browser.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    browser.wait(timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while _group_alive(browser.pid):
        if time.monotonic() > deadline:
            raise TimeoutError(f"Chromium's helpers still running {TIMEOUT:.0f} s after it was killed")
        time.sleep(0.05)


def _group_alive(group: int) -> bool:
    """Whether a process of ``group`` still runs (zombies, which write nothing, do not count; Linux's /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def _devtools_port(browser: subprocess.Popen) -> int:
    """The port Chromium chose for DevTools, from its ``DevTools listening on ws://...`` line."""
    deadline = time.monotonic() + TIMEOUT
    assert browser.stderr is not None
    while time.monotonic() < deadline:
        line = browser.stderr.readline()
        match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
        if match:
            return int(match.group(1))
        if not line and browser.poll() is not None:
            break
    raise RuntimeError("Chromium did not start its DevTools server")
