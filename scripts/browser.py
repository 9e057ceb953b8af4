#!/usr/bin/env python3
"""Drive Debian's headless Chromium through the DevTools protocol (over a pipe, no extra packages).

Usage:
  browser.py submit URL FORM_SELECTOR FIELD_NAME TEXT_FILE SCREENSHOT.png
      Opens URL, types the contents of TEXT_FILE into the form's field, presses the form's submit button as a
      person would, waits for the next page, saves a screenshot and prints the rendered DOM on stdout.

  browser.py desk BASE_URL NAME PASSWORD KEYS SCREENSHOT_FOLDER
      Signs in at BASE_URL/login, opens BASE_URL/desk and presses each character of KEYS as a key (one decision per
      key, waiting for the next post each time), then opens BASE_URL/desk/emerging. Saves desk-0.png, desk-1.png, ...
      and emerging.png in the folder and prints a JSON array of the pages' DOMs, in order.

Exit status 0 on success, 1 with a message on stderr when the browser cannot do it.
"""
import base64
import json
import os
import shutil
import sys
import tempfile
import time


class Browser:
    def __init__(self):
        executable = shutil.which("chromium") or shutil.which("chromium-browser")
        if not executable:
            sys.exit("browser.py: chromium is not installed (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="rumorcontrol-chromium-")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        args = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
                "--user-data-dir=" + self.profile, "--window-size=1200,900", "about:blank"]
        self.pid = os.posix_spawn(executable, args, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, to_browser_read, 3), (os.POSIX_SPAWN_DUP2, from_browser_write, 4),
            (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)])
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.next_id = 0
        self.buffer = b""
        self.events = []

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        raise RuntimeError(f"{method}: no answer in {timeout} s")

    def receive(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("the browser closed the connection")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    del self.events[index]
                    return event
            self.events.append(self.receive())
        raise RuntimeError(f"no {method} in {timeout} s")

    def close(self):
        try:
            os.write(self.to_browser, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            os.waitpid(self.pid, 0)
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def submit(url, form_selector, field, text_file, screenshot):
    text = open(text_file, encoding="utf-8").read()
    browser = Browser()
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Page.enable", session=session)
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait_for("Page.loadEventFired")
        script = f"""(() => {{
            const form = document.querySelector({json.dumps(form_selector)});
            if (!form) return "no form matches {form_selector}";
            const field = form.elements[{json.dumps(field)}];
            if (!field) return "the form has no field {field}";
            field.focus();
            field.value = {json.dumps(text)};
            const button = form.querySelector('button[type=submit], input[type=submit]');
            if (!button) return "the form has no submit button";
            button.click();
            return "ok";
        }})()"""
        outcome = browser.send("Runtime.evaluate", {"expression": script, "returnByValue": True}, session=session)
        if outcome["result"].get("value") != "ok":
            raise RuntimeError(outcome["result"].get("value"))
        browser.wait_for("Page.loadEventFired")
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session)
        with open(screenshot, "wb") as file:
            file.write(base64.b64decode(shot["data"]))
        dom = browser.send("Runtime.evaluate", {"expression": "document.documentElement.outerHTML", "returnByValue": True}, session=session)
        sys.stdout.write(dom["result"]["value"])
    finally:
        browser.close()


def desk(base, name, password, keys, folder):
    browser = Browser()
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Page.enable", session=session)

        def evaluate(expression):
            return browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)["result"].get("value")

        def load(url):
            browser.send("Page.navigate", {"url": url}, session=session)
            browser.wait_for("Page.loadEventFired")

        def capture(file):
            shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session)
            with open(os.path.join(folder, file), "wb") as out:
                out.write(base64.b64decode(shot["data"]))
            return evaluate("document.documentElement.outerHTML")

        load(base + "/login")
        outcome = evaluate(f"""(() => {{
            const form = document.querySelector("form[action='/login']");
            if (!form) return "no sign-in form";
            form.elements["name"].value = {json.dumps(name)};
            form.elements["password"].value = {json.dumps(password)};
            form.querySelector("button[type=submit]").click();
            return "ok";
        }})()""")
        if outcome != "ok":
            raise RuntimeError(outcome)
        browser.wait_for("Page.loadEventFired")
        load(base + "/desk")
        pages = [capture("desk-0.png")]
        for index, key in enumerate(keys):
            # A real key press, as a person at a keyboard makes it: keydown, char, keyup.
            for kind in ("keyDown", "char", "keyUp"):
                event = {"type": kind, "key": key, "text": key if kind != "keyUp" else ""}
                browser.send("Input.dispatchKeyEvent", event, session=session)
            browser.wait_for("Page.loadEventFired")
            pages.append(capture(f"desk-{index + 1}.png"))
        load(base + "/desk/emerging")
        pages.append(capture("emerging.png"))
        sys.stdout.write(json.dumps(pages))
    finally:
        browser.close()


if __name__ == "__main__":
    commands = {"submit": (submit, 5), "desk": (desk, 5)}
    if len(sys.argv) < 2 or sys.argv[1] not in commands or len(sys.argv) != 2 + commands[sys.argv[1]][1]:
        sys.exit(__doc__)
    try:
        commands[sys.argv[1]][0](*sys.argv[2:])
    except RuntimeError as error:
        sys.exit(f"browser.py: {error}")
