"""Recipes that point real client libraries at a twin: the discord.py family, hikari and
discord.js options for the Discord twin; lavalink.py, wavelink, mafic and pomice for the
Lavalink twin (their voice hand-over comes from the Discord twin). No twin imports
anything from here.
"""
