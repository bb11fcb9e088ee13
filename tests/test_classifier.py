"""The rules classifier learns which words decide between entries."""

import numpy as np

from bot.rules.classifier import SoftmaxClassifier

DOCS = [
    (0, ["学时", "党员", "每年"], 1.0),
    (0, ["学时", "多少", "党员"], 1.0),
    (0, ["学时", "不够", "怎么办"], 1.0),
    (1, ["撤销", "党支部", "党员", "不够"], 1.0),
    (1, ["撤销", "党支部", "怎么办"], 1.0),
    (1, ["撤销", "合并", "党支部"], 1.0),
]


def test_learns_the_deciding_word_not_the_shared_ones() -> None:
    clf = SoftmaxClassifier.fit(DOCS, 2)
    # 不够 and 怎么办 occur in both classes; 学时 decides
    assert int(np.argmax(clf.log_proba(["学时", "不够", "党员"]))) == 0
    assert int(np.argmax(clf.log_proba(["撤销", "不够", "党员"]))) == 1
    lp = clf.log_proba(["学时"])
    assert np.isclose(np.exp(lp).sum(), 1.0)


def test_unknown_features_leave_only_the_bias() -> None:
    clf = SoftmaxClassifier.fit(DOCS, 2, l2=0.01)
    lp = clf.log_proba(["天气", "下雨"])
    expected = clf.bias - np.log(np.exp(clf.bias).sum())
    assert np.allclose(lp, expected)


def test_warm_start_reaches_the_same_model() -> None:
    cold = SoftmaxClassifier.fit(DOCS, 2, l2=0.01)
    more = [*DOCS, (0, ["学时", "登记"], 1.0), (0, ["登记", "党员"], 1.0)]
    refit = SoftmaxClassifier.fit(more, 2, l2=0.01, init=cold)
    fresh = SoftmaxClassifier.fit(more, 2, l2=0.01)
    q = ["登记", "党员"]
    assert np.allclose(np.exp(refit.log_proba(q)), np.exp(fresh.log_proba(q)), atol=1e-3)
    assert int(np.argmax(refit.log_proba(q))) == 0
