"""selfeval: review, rescore and report 财政支出项目绩效自评 forms."""

__version__ = "0.1.0"
