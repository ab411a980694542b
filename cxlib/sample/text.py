"""Phrase bank for survey comments and social mentions (UTF-8, six languages).

Themes follow the score: detractors write about billing errors, waiting time, app crashes
and payment failures; promoters about friendly staff, an easy app and fast delivery.
"""

from __future__ import annotations

import numpy as np

from cxlib.sample._common import choice_rows

LANGS = ("en", "cs", "de", "es", "sl", "zh")
NEGATIVE = ("billing_error", "waiting_time", "app_crash", "payment_failure")
NEUTRAL = ("neutral",)
POSITIVE = ("friendly_staff", "easy_app", "fast_delivery")
THEMES = NEGATIVE + NEUTRAL + POSITIVE
THEME = {name: i for i, name in enumerate(THEMES)}

SCRIPT_COMMENT = "Nice try <script>alert('x')</script> but the app still crashes"
QUOTED_COMMENT = 'The "express" delivery was late, again.\nSecond time this month, please fix it.'

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "billing_error": {
        "en": (
            "I was charged twice this month and nobody explains why.",
            "The invoice amount is wrong again.",
            "Billing page shows a different price than my plan.",
            "Wrong amount on my bill, had to call support.",
        ),
        "cs": ("Na faktuře byla chybná částka.", "Účtovali mi dvakrát stejnou platbu."),
        "de": ("Die Rechnung war falsch, doppelt abgebucht.", "Falscher Betrag auf der Rechnung."),
        "es": ("Me cobraron dos veces en la factura.", "El importe de la factura es incorrecto."),
        "sl": ("Na računu je bil napačen znesek.", "Dvakrat so mi zaračunali isto naročnino."),
        "zh": ("账单金额不对，被多收了钱。", "这个月被重复扣费了。"),
    },
    "waiting_time": {
        "en": (
            "Waited 40 minutes on the phone before anyone answered.",
            "Support takes days to reply.",
            "Far too long waiting for an answer from support.",
            "Nobody got back to me about my ticket.",
        ),
        "cs": ("Příliš dlouhé čekání na podporu", "Na odpověď jsem čekal skoro týden."),
        "de": (
            "Viel zu lange Wartezeit beim Kundenservice.",
            "Niemand hat auf mein Ticket geantwortet.",
        ),
        "es": (
            "La espera para hablar con soporte fue demasiado larga.",
            "Nadie respondió a mi consulta.",
        ),
        "sl": ("Čakanje je bilo predolgo", "Na odgovor podpore sem čakal več dni."),
        "zh": ("客服响应太慢", "等了很久才有人回复。"),
    },
    "app_crash": {
        "en": (
            "The app crashes every time I open my orders.",
            "App keeps freezing after the last update.",
            "Constant crashes on login, very frustrating.",
        ),
        "cs": ("Aplikace pořád padá při přihlášení.", "Po poslední aktualizaci aplikace zamrzá."),
        "de": ("Die App stürzt ständig ab.", "Seit dem Update friert die App ein."),
        "es": (
            "La aplicación se cierra sola constantemente.",
            "La app se congela al iniciar sesión.",
        ),
        "sl": ("Aplikacija se nenehno sesuva.", "Aplikacija zamrzne ob prijavi."),
        "zh": ("应用经常闪退。", "更新以后应用一直卡死。"),
    },
    "payment_failure": {
        "en": (
            "Payment failed three times at checkout.",
            "My card was declined although it works everywhere else.",
            "Gave up, the payment step kept failing.",
        ),
        "cs": ("Platba kartou neprošla, musel jsem to zkoušet znovu.", "Platba opakovaně selhala."),
        "de": ("Die Zahlung ist fehlgeschlagen.", "Meine Karte wurde beim Bezahlen abgelehnt."),
        "es": ("El pago con tarjeta falló varias veces.", "No pude completar el pago."),
        "sl": ("Plačilo s kartico ni uspelo.", "Plačilo se je večkrat prekinilo."),
        "zh": ("付款一直失败。", "银行卡支付总是不成功。"),
    },
    "neutral": {
        "en": ("It was fine, nothing special.", "Okay overall, a bit pricey.", "Does the job."),
        "cs": ("V pořádku, nic zvláštního.", "Cena je trochu vyšší, ale jinak dobré."),
        "de": ("Ganz okay, nichts Besonderes.", "Im Großen und Ganzen in Ordnung."),
        "es": ("Está bien, nada especial.", "Correcto, aunque algo caro."),
        "sl": ("V redu, nič posebnega.", "Solidno, a nekoliko drago."),
        "zh": ("还可以，没什么特别的。", "总体不错，就是有点贵。"),
    },
    "friendly_staff": {
        "en": (
            "Friendly staff who really helped me.",
            "The person on the phone was lovely and patient.",
            "Great service in the store, very kind people.",
        ),
        "cs": ("Velmi ochotný a milý personál.", "Paní na pobočce mi skvěle poradila."),
        "de": ("Sehr freundliches und kompetentes Personal.", "Super netter Service im Laden."),
        "es": ("El personal fue muy amable.", "Me atendieron con mucha paciencia."),
        "sl": ("Zelo prijazno osebje.", "Prodajalka mi je zelo pomagala."),
        "zh": ("客服态度很好，非常耐心。", "店员很热情。"),
    },
    "easy_app": {
        "en": (
            "The app is so easy to use.",
            "Love how simple the app is.",
            "Ordering in the app takes seconds.",
        ),
        "cs": ("Aplikace je přehledná a snadno se používá.", "Objednávka v aplikaci je hračka."),
        "de": ("Die App ist einfach zu bedienen.", "Bestellen in der App geht super schnell."),
        "es": ("La app es muy fácil de usar.", "Pedir desde la aplicación es facilísimo."),
        "sl": ("Aplikacija je enostavna za uporabo.", "Naročanje v aplikaciji je zelo preprosto."),
        "zh": ("应用简单好用。", "在应用里下单很方便。"),
    },
    "fast_delivery": {
        "en": (
            "Fast delivery, arrived the next day.",
            "Super quick shipping as always.",
            "Delivered earlier than promised.",
        ),
        "cs": ("Doručení bylo rychlé, druhý den doma.", "Zásilka dorazila dřív, než jsem čekal."),
        "de": ("Schnelle Lieferung, alles bestens.", "Am nächsten Tag geliefert."),
        "es": ("Entrega rápida, llegó al día siguiente.", "El envío fue rapidísimo."),
        "sl": ("Dostava je bila zelo hitra.", "Paket je prišel naslednji dan."),
        "zh": ("送货很快，第二天就到了。", "物流速度很快。"),
    },
}


def _flatten() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat: list[str] = []
    offset = np.zeros((len(THEMES), len(LANGS)), dtype=np.int64)
    count = np.zeros_like(offset)
    for i, theme in enumerate(THEMES):
        for j, lang in enumerate(LANGS):
            offset[i, j] = len(flat)
            count[i, j] = len(PHRASES[theme][lang])
            flat.extend(PHRASES[theme][lang])
    return np.array(flat, dtype=object), offset, count


_FLAT, _OFFSET, _COUNT = _flatten()


def phrases(rng: np.random.Generator, theme: np.ndarray, lang: np.ndarray) -> np.ndarray:
    """One phrase per row for integer theme (index into THEMES) and language (into LANGS)."""
    off, cnt = _OFFSET[theme, lang], _COUNT[theme, lang]
    return _FLAT[off + np.floor(rng.random(len(theme)) * cnt).astype(np.int64)]


def sentiment_themes(
    rng: np.random.Generator, sentiment: np.ndarray, negative_w: np.ndarray, positive_w: np.ndarray
) -> np.ndarray:
    """Theme per row: ``sentiment`` -1/0/1 picks from the negative/neutral/positive themes.

    ``negative_w`` and ``positive_w`` are (n, 4) and (n, 3) weight matrices per row.
    """
    neg = choice_rows(rng, negative_w)
    pos = len(NEGATIVE) + len(NEUTRAL) + choice_rows(rng, positive_w)
    return np.where(sentiment < 0, neg, np.where(sentiment > 0, pos, THEME["neutral"]))
