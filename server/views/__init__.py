"""The blueprints, registered in this order by create_app. Add yours to BLUEPRINTS."""

from server.views.entities import entities
from server.views.home import home
from server.views.vocabulary import vocabulary
from server.views.dumps import dumps
from server.views.sparql import sparql

BLUEPRINTS = [home, entities, vocabulary, dumps, sparql]
