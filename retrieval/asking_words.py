"""Words that say how something is asked, never what it is about."""

from __future__ import annotations

from retrieval.tokenize import tokenize

__all__ = ["NOT_SUBJECTS"]

# Everyday verbs, adverbs and adjectives that say how something is asked, never what about:
# an article lacking "worth" or "exactly" does not lack the subject, and a question using
# them is no less about the career (retrieval/scope.py; the replies' gaps, bot/core/coverage.py).
NOT_SUBJECTS = frozenset(
    tokenize(
        "worth worthwhile important importance put pick picked choose chose later exactly "
        "actually basically honestly seriously literally definitely probably possible possibly "
        "usually typically generally mostly kind sort thing things stuff lot lots bit little "
        "enough okay ok fine "
        "true false right wrong sure able try trying tried mean means meant say said tell told "
        "think thought feel felt guess hope wish wonder wondering confused confusing idea "
        "see seeing saw seen notice noticed "
        "ideas advice suggestion suggestions tips tip help helpful useful start started "
        "starting go going went come coming make making made take taking took give giving "
        "keep keeping let show showing look looking find finding use using used way ways "
        "first next last still already ever never always often sometimes soon yet since "
        "anyone someone everyone anything something everything nothing else either neither "
        "kinda gimme soo crack sounds dream loving realistic forgot needs heavy revise "
        "stuck super bother inside outside actual actually nobody somebody folks pull fill "
        "purely worried worry kill killing bump bumps reel eventually heard hear hearing "
        "argue argues passing family friend friends cousin sister brother parents teacher "
        "circle messy cleaning living matter matters ready hype cheap free waste contacts "
        "hey hi hello thanks bro bhai yaar sir madam guys please pls plz asap quick quickly "
        "easy easier hard harder difficult better worse big small long short high low new old "
        "real exact exactly specific specifically particular particularly sure certain "
        "currently nowadays today now days year years month months week weeks time times "
        "fancy glorified overrated underrated overhyped legit till basis doubt grateful "
        "thankful seem seems seemed appear appears curious chance chances odds attain "
        "achieve increase boost alone second third fourth fifth final wrote"
    )
)
