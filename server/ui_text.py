"""The words of the pages themselves (not the data's), in each language the site speaks.

Templates read them as `ui.key`. A key missing in one language falls back to English.
"""

from __future__ import annotations

ENGLISH = {
    "language_name": "English",
    "home": "Home", "browse": "Browse", "vocabulary": "Vocabulary", "sparql": "SPARQL", "downloads": "Downloads",
    "language": "Language",
    # entity pages
    "iri": "IRI", "types": "Type", "other_formats": "This description as",
    "names": "Names", "description": "Description", "relations": "Relations", "dates": "Dates",
    "details": "Details", "provenance": "Provenance",
    "linked_from": "Linked from", "via": "through",
    "sources": "Sources", "sources_intro": "What the source documents say, in their own words.",
    "documents": "Documents", "statement": "Statement",
    # indexes
    "classes": "Classes", "instances": "instances", "instance_count": "Instances in the data",
    "page": "Page", "of": "of", "previous": "Previous", "next": "Next",
    "kinds": "What the data describes", "all_classes": "All classes, with their sub-classes",
    "no_instances": "This class has no instances in the data.",
    "documentation": "Documentation of this class",
    # vocabulary and shapes
    "properties": "Properties", "other_terms": "Other terms", "kind": "Kind",
    "superclasses": "Sub-class of", "subclasses": "Super-class of", "equivalent": "Equivalent to",
    "disjoint": "Disjoint with", "properties_of": "Properties of this class", "values_of": "Value of",
    "domain": "Domain", "range": "Range", "superproperties": "Sub-property of",
    "subproperties": "Super-property of", "inverse": "Inverse of",
    "shapes": "Shapes", "shapes_of": "Shapes that apply", "constraints": "constraints",
    "path": "Path", "constraint": "Constraint", "message": "Message", "severity": "Severity",
    "targets": "Applies to", "shape_rules": "Rules", "contents": "Contents",
    # home
    "overview": "Overview", "triples": "triples", "graphs": "Named graphs", "graph": "Graph",
    "entities": "entities", "examples": "Example queries", "run_query": "Run this query",
    "download_text": "The whole dataset can be downloaded from",
    "context": "JSON-LD context", "dataset_version": "Dataset version",
    "graph_intro": "A named graph of this dataset.", "graph_triples": "Triples in this graph",
    "try_heading": "Linked Data", "try_text": "Every IRI answers in the format asked for, for instance",
}

FRENCH = {
    "language_name": "Français",
    "home": "Accueil", "browse": "Parcourir", "vocabulary": "Vocabulaire", "sparql": "SPARQL",
    "downloads": "Téléchargements", "language": "Langue",
    "iri": "IRI", "types": "Type", "other_formats": "Cette description en",
    "names": "Noms", "description": "Description", "relations": "Relations", "dates": "Dates",
    "details": "Détails", "provenance": "Provenance",
    "linked_from": "Cité par", "via": "par",
    "sources": "Sources", "sources_intro": "Ce que disent les documents sources, dans leurs propres mots.",
    "documents": "Documents", "statement": "Affirmation",
    "classes": "Classes", "instances": "instances", "instance_count": "Instances dans les données",
    "page": "Page", "of": "sur", "previous": "Précédente", "next": "Suivante",
    "kinds": "Ce que décrivent les données", "all_classes": "Toutes les classes, avec leurs sous-classes",
    "no_instances": "Cette classe n’a pas d’instance dans les données.",
    "documentation": "Documentation de cette classe",
    "properties": "Propriétés", "other_terms": "Autres termes", "kind": "Nature",
    "superclasses": "Sous-classe de", "subclasses": "Super-classe de", "equivalent": "Équivalent à",
    "disjoint": "Disjoint de", "properties_of": "Propriétés de cette classe", "values_of": "Valeur de",
    "domain": "Domaine", "range": "Portée", "superproperties": "Sous-propriété de",
    "subproperties": "Super-propriété de", "inverse": "Inverse de",
    "shapes": "Formes", "shapes_of": "Formes qui s’appliquent", "constraints": "contraintes",
    "path": "Chemin", "constraint": "Contrainte", "message": "Message", "severity": "Gravité",
    "targets": "S’applique à", "shape_rules": "Règles", "contents": "Sommaire",
    "overview": "Vue d’ensemble", "triples": "triplets", "graphs": "Graphes nommés", "graph": "Graphe",
    "entities": "entités", "examples": "Exemples de requêtes", "run_query": "Lancer cette requête",
    "download_text": "Le jeu de données complet se télécharge depuis",
    "context": "Contexte JSON-LD", "dataset_version": "Version du jeu de données",
    "graph_intro": "Un graphe nommé de ce jeu de données.", "graph_triples": "Triplets dans ce graphe",
    "try_heading": "Données liées", "try_text": "Chaque IRI répond dans le format demandé, par exemple",
}

CHINESE = {
    "language_name": "中文",
    "home": "首页", "browse": "浏览", "vocabulary": "词汇表", "sparql": "SPARQL", "downloads": "下载",
    "language": "语言",
    "iri": "IRI", "types": "类型", "other_formats": "本描述的其他格式",
    "names": "名称", "description": "说明", "relations": "关系", "dates": "日期",
    "details": "详情", "provenance": "来源",
    "linked_from": "被引用", "via": "通过",
    "sources": "来源", "sources_intro": "来源文件的原文。",
    "documents": "文件", "statement": "陈述",
    "classes": "类", "instances": "个实例", "instance_count": "数据中的实例",
    "page": "第", "of": "页，共", "previous": "上一页", "next": "下一页",
    "kinds": "数据描述的内容", "all_classes": "所有类及其子类",
    "no_instances": "该类在数据中没有实例。",
    "documentation": "该类的文档",
    "properties": "属性", "other_terms": "其他术语", "kind": "种类",
    "superclasses": "父类", "subclasses": "子类", "equivalent": "等同于",
    "disjoint": "不相交于", "properties_of": "该类的属性", "values_of": "作为值用于",
    "domain": "定义域", "range": "值域", "superproperties": "父属性",
    "subproperties": "子属性", "inverse": "逆属性",
    "shapes": "形状", "shapes_of": "适用的形状", "constraints": "条约束",
    "path": "路径", "constraint": "约束", "message": "消息", "severity": "严重程度",
    "targets": "适用于", "shape_rules": "规则", "contents": "目录",
    "overview": "概览", "triples": "三元组", "graphs": "命名图", "graph": "图",
    "entities": "个实体", "examples": "查询示例", "run_query": "运行此查询",
    "download_text": "完整数据集可从此处下载：",
    "context": "JSON-LD 上下文", "dataset_version": "数据集版本",
    "graph_intro": "本数据集的一个命名图。", "graph_triples": "该图中的三元组",
    "try_heading": "关联数据", "try_text": "每个 IRI 都以所请求的格式响应，例如",
}

UI_TEXT = {"en": ENGLISH, "fr": {**ENGLISH, **FRENCH}, "zh": {**ENGLISH, **CHINESE}}
