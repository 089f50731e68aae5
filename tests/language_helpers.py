"""An app that serves the Vietnamese catalog compiled from the current vi.po (nothing prebuilt needed)."""
from contextlib import contextmanager
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.app_helpers import other_app

VI_PO = Path(__file__).resolve().parent.parent / "app" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


@contextmanager
def vietnamese_app(base_app, folder: Path, **overrides):
    """Yield a second app like `base_app`, with `overrides` applied and the catalog compiled into `folder`."""
    target = folder / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(VI_PO, "rb") as source, open(target / "messages.mo", "wb") as compiled:
        write_mo(compiled, read_po(source))
    settings = {key: value for key, value in base_app.config.items() if key.isupper()}
    settings.update(BABEL_TRANSLATION_DIRECTORIES=str(folder), **overrides)
    with other_app(base_app, type("CompiledCatalogConfig", (), settings)) as app:
        app.test_client_class = base_app.test_client_class  # a fresh `g` per request, as in the suite
        yield app
