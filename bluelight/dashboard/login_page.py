"""The sign-in and sign-out pages: plain HTML, no scripts, nothing about the server's software or versions."""

from __future__ import annotations

from html import escape

from flask import session


def login_page(*, message: str = "", next_path: str = "/", sso_label: str | None = None) -> str:
    token = session.get("csrf", "")
    note = f'<p class="err" role="alert">{escape(message)}</p>' if message else ""
    sso = (f'<p><a id="sign-in-sso" href="/login/sso">Sign in with {escape(sso_label)}</a></p><p>or with a local '
           'account:</p>') if sso_label else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in – Blue Light Atlas</title>
<style>a{{color:#10243e}}body{{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}}main{{max-width:360px;margin:12vh auto;
background:#fff;padding:28px;border-radius:8px;box-shadow:0 1px 4px #0002}}label{{display:block;margin-top:12px}}
input{{width:100%;padding:8px;box-sizing:border-box}}button{{margin-top:18px;padding:8px 18px}}.err{{color:#a00}}
</style></head><body><main><h1>Blue Light Atlas</h1><p>Sign in to continue.</p>{note}{sso}
<form method="post" action="/login"><input type="hidden" name="csrf_token" value="{escape(token)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password"
autocomplete="current-password" required><button type="submit" id="sign-in">Sign in</button></form></main></body></html>"""


def logout_page(username: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign out – Blue Light Atlas</title>
</head><body><form method="post" action="/logout"><input type="hidden" name="csrf_token"
value="{escape(session.get('csrf', ''))}"><p>Signed in as {escape(username)}.</p>
<button type="submit" id="sign-out">Sign out</button></form></body></html>"""


