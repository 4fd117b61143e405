"""The blueprints, registered in this order by create_app. Add yours to BLUEPRINTS."""

from server.views.dataset import dataset
from server.views.entities import entities
from server.views.home import home
from server.views.language import language
from server.views.operations import operations
from server.views.reconcile import reconcile
from server.views.search import search
from server.views.site import site
from server.views.sources import sources
from server.views.sparql import sparql
from server.views.vocabulary import vocabulary

BLUEPRINTS = [home, operations, language, entities, sources, vocabulary, dataset, sparql, search, reconcile, site]
