"""Request guard for browser tests: nothing may leave the app."""


class Guard:
    """Abort and count every request that leaves the app; collect console errors."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/") + "/"
        self.external: list[str] = []
        self.console_errors: list[str] = []

    def attach(self, page) -> None:
        def handle(route):
            url = route.request.url
            if url.startswith(self.base_url) or url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                self.external.append(url)
                route.abort()

        page.route("**/*", handle)
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"))
