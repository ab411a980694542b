"""Function words of common European languages, for the themes of :mod:`cxlib.voice`.

Only articles, pronouns, auxiliaries, prepositions and conjunctions: words that carry
no topic. Negations (no, not, nicht, ne, ...) and words such as "still" are kept on
purpose: "still waiting" and "no internet" are what detractors talk about. Languages
not listed rely on the document-frequency limit of :class:`cxlib.voice.themes.PhraseThemes`.
"""

from __future__ import annotations

_WORDS = {
    "en": """a about after all also am an and any are as at be because been before being but
        by can could did do does doing for from get got had has have having he her here him
        his how i if in into is it its just me my myself of on once only or other our out
        over own same she should so some such than that the their them then there these they
        this those through to too under until up us very was we were what when where which
        while who whom why will with would you your im ive id youre theyre thats""",
    "de": """der die das den dem des ein eine einen einem einer eines und oder aber ist sind
        war waren bin bist hat haben hatte hatten ich du er sie es wir ihr mit von zu zum zur
        im in am an auf für aus bei beim nach über um wie so auch noch nur schon sehr dass
        als wenn mein meine meinen mir mich dir dich uns euch sich vom wird werden wurde man""",
    "es": """el la los las un una unos unas y o pero es son fue era eran está están estar ser
        de del al a en con por para que como muy mi mis me se lo le les su sus nos ya más
        este esta esto eso ese esa hay he ha han""",
    "fr": """le la les un une des et ou mais est sont était été de du au aux en dans avec pour
        par que qui je tu il elle nous vous ils elles mon ma mes ton ta son sa ses ce cet cette
        ces très plus sur se leur leurs ai avait avons""",
    "it": """il lo la gli le un una uno e o ma è sono era di del della dei delle al alla in
        con per che come molto mio mia mi si ci ho ha hanno""",
    "nl": """de het een en of maar is zijn was waren van te in op met voor aan bij om dat die
        dit als ik je jij hij zij we wij mijn me heb heeft had zeer""",
    "pt": """o a os as um uma e ou mas é são foi era de do da dos das em no na nos nas com por
        para que como muito meu minha me se eu ele ela""",
    "cs": """a i v ve na je jsem jsi jsou byl byla bylo byli se si to ten ta že s z ze k ke o
        do pro ale jak mi mě mně jsme jste už tak co od po za při by bych mám má""",
    "sl": """in je sem si so smo bil bila bilo bili se na v z s za da ki pa po pri do od ter kot
        mi me ali tudi že zelo sta ste bo""",
    "pl": """i w we na jest są był była było się z ze do od że to ten ta jak ale dla po przy o
        mi mnie jestem bardzo już tak""",
}

STOP_WORDS: frozenset[str] = frozenset(w for text in _WORDS.values() for w in text.split())
"""Every listed function word, case-folded."""
LANGUAGES: tuple[str, ...] = tuple(_WORDS)
