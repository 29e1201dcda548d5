"""第一书记联盟: master and sub-alliances, industry alliances, members, activities, experts and the four lists."""
