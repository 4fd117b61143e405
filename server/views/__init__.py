"""The blueprints, registered in this order by create_app. Add yours to BLUEPRINTS."""

from server.views.home import home

BLUEPRINTS = [home]
