"""路线规划: optimised door-to-door walking routes over the road network, one day or several."""
