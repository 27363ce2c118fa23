from enum import StrEnum


class DocumentKind(StrEnum):
    press_release = "press_release"
    joint_statement = "joint_statement"
    fact_sheet = "fact_sheet"
    readout = "readout"
    communique = "communique"
    compilation = "compilation"
    news_article = "news_article"
