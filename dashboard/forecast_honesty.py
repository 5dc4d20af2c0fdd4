"""预测分析: the out-of-sample line under the backtest scores, and the combined models' names."""

from __future__ import annotations

from dashboard.i18n import LABELS, t

LABELS.update(
    {
        "fc_out_of_sample": (
            "样本外检验（{window}；模型只按此前 {n} 个回测窗口选定，未见过这段数据）："
            "本层级自动选择的 WAPE 为 {wape}，是季节朴素的 {ratio_snaive} 倍、近 4 周按星期"
            "平均的 {ratio_wmean} 倍；80% 区间覆盖了 {cov80} 的天数。计数的泊松噪声本身"
            "就会带来约 {floor} 的 WAPE，这是任何预测都难以低于的下限。",
            "Out of sample ({window}; models chosen on the {n} earlier backtest windows only, "
            "without seeing these days): auto's WAPE at this level {wape}, {ratio_snaive}× the "
            "seasonal naive's and {ratio_wmean}× the 4-week weekday mean's; the 80 % interval "
            "covered {cov80} of days. Poisson noise alone makes a WAPE of about {floor}, a floor "
            "no forecast can be expected to beat.",
        ),
        "fc_in_sample_note": (
            "上表各候选模型的得分是各自的样本外回测；✓ 行的模型是在同样这些窗口上选出的，"
            "其得分偏乐观，以上面的样本外检验为准。",
            "Each candidate row above is that model's own out-of-sample backtest; the ✓ row's "
            "model was chosen on those same windows, so its scores flatter it: the "
            "out-of-sample line is the one to trust.",
        ),
        "fc_model_theta": ("Theta 法，周季节", "Theta with weekly season, optimised"),
        "fc_model_ensemble": (
            "组合预测：往年调整的星期平均、Prophet 与近 4 周星期平均的逐日中位数",
            "median of ymean, Prophet and the 4-week weekday mean",
        ),
    }
)


def out_of_sample_text(scores: dict, level: str) -> str | None:
    """The run's out-of-sample sentence for ``level`` (None for runs saved without one)."""
    found = (scores or {}).get("out_of_sample", {}).get(level)
    if not found:
        return None
    return t(
        "fc_out_of_sample",
        window=found["window"].replace("..", " – "),
        n=found["chosen_on_windows"],
        wape=f"{found['wape']:.1%}",
        ratio_snaive=f"{found['ratio_snaive']:.2f}",
        ratio_wmean=f"{found['ratio_wmean']:.2f}",
        cov80=f"{found['cov80']:.0%}",
        floor=f"{found['poisson_floor']:.1%}",
    )
