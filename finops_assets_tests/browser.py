"""Headless Chromium (Debian's `chromium`) driven through the DevTools protocol, for end-to-end tests of HTML output.

`open_page` starts a fresh browser (its own user-data-dir, no network services, port chosen by Chromium),
loads a file, and returns what a test needs: console errors and uncaught exceptions, every URL the page
requested, the result of a JavaScript expression evaluated after the load, and a full-page screenshot.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--remote-allow-origins=*",
)


def chromium_executable() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("Chromium is not installed: `apt-get install chromium` (.ci/run installs it in CI)")


@dataclass
class PageVisit:
    console_errors: list[str] = field(default_factory=list)
    requested_urls: list[str] = field(default_factory=list)
    evaluated: Any = None
    screenshot: bytes = b""


class _DevTools:
    def __init__(self, url: str, timeout: float) -> None:
        self._ws = websocket.create_connection(url, timeout=timeout)
        self._next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params: Any) -> dict:
        self._next_id += 1
        call_id = self._next_id
        self._ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, deadline: float) -> None:
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {event} from Chromium")
            self.events.append(json.loads(self._ws.recv()))

    def close(self) -> None:
        self._ws.close()


def _devtools_port(profile: Path, browser: subprocess.Popen, deadline: float) -> int:
    port_file = profile / "DevToolsActivePort"
    while not (port_file.exists() and port_file.read_text().strip()):
        if browser.poll() is not None:
            raise RuntimeError(f"Chromium exited with {browser.returncode}: {browser.stderr.read().decode(errors='replace')[-2000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError("Chromium did not open its DevTools port")
        time.sleep(0.1)
    return int(port_file.read_text().splitlines()[0])


def open_page(path: Path, profile: Path, expression: str, *, timeout: float = 60.0, width: int = 1280) -> PageVisit:
    profile.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    browser = subprocess.Popen(
        [chromium_executable(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
         f"--window-size={width},900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        port = _devtools_port(profile, browser, deadline)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout) as response:
            targets = json.load(response)
        page = next(t for t in targets if t["type"] == "page")
        tools = _DevTools(page["webSocketDebuggerUrl"], timeout)
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.call(f"{domain}.enable")
            tools.call("Page.navigate", url=path.resolve().as_uri())
            tools.wait_for("Page.loadEventFired", deadline)
            visit = PageVisit()
            visit.evaluated = tools.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")
            metrics = tools.call("Page.getLayoutMetrics")["cssContentSize"]
            shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                              clip={"x": 0, "y": 0, "width": width, "height": metrics["height"], "scale": 1})
            visit.screenshot = base64.b64decode(shot["data"])
            for event in tools.events:
                method, params = event.get("method"), event.get("params", {})
                if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                    visit.console_errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
                elif method == "Runtime.exceptionThrown":
                    visit.console_errors.append(params["exceptionDetails"].get("text", "exception"))
                elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                    visit.console_errors.append(params["entry"]["text"])
                elif method == "Network.requestWillBeSent":
                    visit.requested_urls.append(params["request"]["url"])
            return visit
        finally:
            tools.close()
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()
