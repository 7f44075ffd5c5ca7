import re
import unicodedata


def slugify(text: str) -> str:
    """'s-Gravenhage -> s-gravenhage; Laren (NH.) -> laren-nh; Súdwest-Fryslân -> sudwest-fryslan."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")
